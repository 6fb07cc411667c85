namespace Prescient.Pipeline.Configuration;

/// <summary>
/// Every app setting the Functions app and the local host read, in one place (documented in docs/settings.md and
/// set by infra/). Connections are identity-based in Azure: a section name whose <c>__</c>-suffixed keys
/// (<c>tableServiceUri</c>, <c>fullyQualifiedNamespace</c>, <c>credential</c>, <c>clientId</c>) configure the client.
/// Locally a plain connection string under the section name works too.
/// </summary>
public static class AppSettingNames
{
    /// <summary>The Functions host's own storage (and the Durable Task hub's). Identity: <c>AzureWebJobsStorage__accountName</c> etc.</summary>
    public const string HostStorage = "AzureWebJobsStorage";

    /// <summary>Prescient's tables, blobs and queues. Identity: <c>PrescientStorage__tableServiceUri</c>, <c>__blobServiceUri</c>, <c>__queueServiceUri</c>.</summary>
    public const string Storage = "PrescientStorage";

    /// <summary>The telemetry Event Hub. Identity: <c>TelemetryHub__fullyQualifiedNamespace</c>.</summary>
    public const string TelemetryHub = "TelemetryHub";

    /// <summary>The Event Hub's name inside the namespace.</summary>
    public const string TelemetryHubName = "PRESCIENT_TELEMETRY_HUB";

    /// <summary>Prescient's consumer group on the telemetry hub.</summary>
    public const string TelemetryConsumerGroup = "PRESCIENT_TELEMETRY_CONSUMER_GROUP";

    /// <summary>The Storage queue that carries telemetry (the local transport, also accepted in Azure).</summary>
    public const string TelemetryQueueName = "PRESCIENT_TELEMETRY_QUEUE";

    /// <summary>The Durable Task hub name (referenced from host.json as %PRESCIENT_TASKHUB%).</summary>
    public const string TaskHub = "PRESCIENT_TASKHUB";
}
