namespace Prescient.Pipeline.Configuration;

/// <summary>
/// Every app setting the Functions app and the local host read, in one place (documented in docs/settings.md and
/// set by infra/app/function-app.bicep; a test in tests/Prescient.Infra.Tests keeps the three in step).
/// </summary>
/// <remarks>
/// Connections are identity-based in Azure: a connection is a section name (<see cref="Connections"/>) whose
/// <c>__</c>-suffixed keys (<see cref="ConnectionKeys"/>) configure the client, for example
/// <c>PrescientStorage__tableServiceUri</c> or <c>TelemetryHub__fullyQualifiedNamespace</c>, with
/// <c>__credential</c> = <c>managedidentity</c> and <c>__clientId</c> naming the user-assigned identity. Without
/// <c>__credential</c> (local runs against Azure) the client uses <c>DefaultAzureCredential</c>. Locally a plain
/// connection string under the bare section name works too (Azurite).
/// </remarks>
public static class AppSettingNames
{
    /// <summary>The Functions host's own storage (and the Durable Task hub's). Identity: <c>AzureWebJobsStorage__blobServiceUri</c>, <c>__queueServiceUri</c>, <c>__tableServiceUri</c>.</summary>
    public const string HostStorage = "AzureWebJobsStorage";

    /// <summary>Prescient's tables, blobs and queues. Identity: <c>PrescientStorage__tableServiceUri</c>, <c>__blobServiceUri</c>, <c>__queueServiceUri</c>.</summary>
    public const string Storage = "PrescientStorage";

    /// <summary>The telemetry Event Hubs namespace. Identity: <c>TelemetryHub__fullyQualifiedNamespace</c>.</summary>
    public const string TelemetryHub = "TelemetryHub";

    /// <summary>The Event Hub's name inside the namespace.</summary>
    public const string TelemetryHubName = "PRESCIENT_TELEMETRY_HUB";

    /// <summary>Prescient's consumer group on the telemetry hub.</summary>
    public const string TelemetryConsumerGroup = "PRESCIENT_TELEMETRY_CONSUMER_GROUP";

    /// <summary>The Storage queue that carries telemetry (the local transport, also accepted in Azure).</summary>
    public const string TelemetryQueueName = "PRESCIENT_TELEMETRY_QUEUE";

    /// <summary>The Durable Task hub name (referenced from host.json as %PRESCIENT_TASKHUB%).</summary>
    public const string TaskHub = "PRESCIENT_TASKHUB";

    /// <summary>NCRONTAB schedule of the timer that drains the telemetry Event Hub (<c>%PRESCIENT_INGEST_SCHEDULE%</c>).</summary>
    public const string IngestSchedule = "PRESCIENT_INGEST_SCHEDULE";

    /// <summary>NCRONTAB schedule of the evaluate timer (<c>%PRESCIENT_EVALUATE_SCHEDULE%</c>).</summary>
    public const string EvaluateSchedule = "PRESCIENT_EVALUATE_SCHEDULE";

    /// <summary>NCRONTAB schedule of the retrain timer (<c>%PRESCIENT_RETRAIN_SCHEDULE%</c>).</summary>
    public const string RetrainSchedule = "PRESCIENT_RETRAIN_SCHEDULE";

    /// <summary>
    /// Table partitions the window store spreads hosts over (<c>Prescient:Pipeline:Windows:Partitions</c>, default 16;
    /// fixed for the life of the windows table: docs/scale.md).
    /// </summary>
    public const string WindowPartitions = "Prescient__Pipeline__Windows__Partitions";

    /// <summary>The user-assigned managed identity's client id, read by <c>DefaultAzureCredential</c> in Azure.</summary>
    public const string ManagedIdentityClientId = "AZURE_CLIENT_ID";

    /// <summary>Application Insights connection string (read by the Functions host and the worker's telemetry).</summary>
    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Application Insights Entra ID authentication (<c>ClientId=...;Authorization=AAD</c>; local auth is off).</summary>
    public const string ApplicationInsightsAuthentication = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// Base URI of the fleet's hypervisor endpoints (hosts under <c>hosts/{hostId}/</c>). Empty: the migration
    /// workflows are not registered (migrations disabled). Binds <c>Hypervisor:FleetBaseUri</c>.
    /// </summary>
    public const string HypervisorFleetBaseUri = Hypervisor.Section + "__" + Hypervisor.FleetBaseUri;

    /// <summary>
    /// The fleet secret per-host bearer tokens are derived from. A secret: in Azure a Key Vault reference, never a
    /// plain value. Binds <c>Hypervisor:FleetSecret</c>.
    /// </summary>
    public const string HypervisorFleetSecret = Hypervisor.Section + "__" + Hypervisor.FleetSecret;

    /// <summary>The worker runtime; set in local.settings.json only (Flex Consumption takes it from the app's runtime and rejects the setting).</summary>
    public const string WorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>Connection sections: configured through <c>Section__key</c> settings (<see cref="ConnectionKeys"/>).</summary>
    public static IReadOnlyList<string> Connections { get; } = [HostStorage, Storage, TelemetryHub];

    /// <summary>Plain settings that the infrastructure sets on the Function App in Azure.</summary>
    public static IReadOnlyList<string> Values { get; } =
    [
        TelemetryHubName, TelemetryConsumerGroup, TelemetryQueueName, TaskHub,
        IngestSchedule, EvaluateSchedule, RetrainSchedule, WindowPartitions,
        HypervisorFleetBaseUri, HypervisorFleetSecret,
        ManagedIdentityClientId, ApplicationInsightsConnectionString, ApplicationInsightsAuthentication,
    ];

    /// <summary>Settings that hold a secret: set in Azure as a Key Vault reference only, never written by a hook.</summary>
    public static IReadOnlyList<string> Secrets { get; } = [HypervisorFleetSecret];

    /// <summary>Plain settings that only a local run sets (never on the Function App in Azure).</summary>
    public static IReadOnlyList<string> LocalOnly { get; } = [WorkerRuntime];

    /// <summary>The full setting name of one key of a connection section, e.g. <c>PrescientStorage__tableServiceUri</c>.</summary>
    public static string ConnectionKey(string connection, string key) => $"{connection}__{key}";

    /// <summary>The keys of an identity-based connection section.</summary>
    public static class ConnectionKeys
    {
        /// <summary>Blob endpoint, e.g. <c>https://account.blob.core.windows.net/</c>.</summary>
        public const string BlobServiceUri = "blobServiceUri";

        /// <summary>Queue endpoint.</summary>
        public const string QueueServiceUri = "queueServiceUri";

        /// <summary>Table endpoint.</summary>
        public const string TableServiceUri = "tableServiceUri";

        /// <summary>Event Hubs namespace host name, e.g. <c>ns.servicebus.windows.net</c>.</summary>
        public const string FullyQualifiedNamespace = "fullyQualifiedNamespace";

        /// <summary><c>managedidentity</c> in Azure; absent locally (then <c>DefaultAzureCredential</c>).</summary>
        public const string Credential = "credential";

        /// <summary>The user-assigned identity's client id (with <c>credential</c> = <c>managedidentity</c>).</summary>
        public const string ClientId = "clientId";

        /// <summary>The keys each storage connection needs in Azure.</summary>
        public static IReadOnlyList<string> Storage { get; } = [BlobServiceUri, QueueServiceUri, TableServiceUri, Credential, ClientId];

        /// <summary>The keys the Event Hubs connection needs in Azure.</summary>
        public static IReadOnlyList<string> EventHubs { get; } = [FullyQualifiedNamespace, Credential, ClientId];

        /// <summary>The keys a connection section needs in Azure.</summary>
        public static IReadOnlyList<string> For(string connection) =>
            connection == TelemetryHub ? EventHubs : Storage;
    }

    /// <summary>
    /// The <c>Hypervisor</c> configuration section (bound to <c>HypervisorClientOptions</c>) and its keys. In app
    /// settings a key is <c>Hypervisor__Key</c> (<c>Hypervisor__HostBaseUris__host1</c> for a per-host entry);
    /// in <c>IConfiguration</c> it is <c>Hypervisor:Key</c>.
    /// </summary>
    public static class Hypervisor
    {
        /// <summary>The section name.</summary>
        public const string Section = "Hypervisor";

        /// <summary>The fleet base URI (<see cref="HypervisorFleetBaseUri"/>).</summary>
        public const string FleetBaseUri = "FleetBaseUri";

        /// <summary>The fleet secret (<see cref="HypervisorFleetSecret"/>).</summary>
        public const string FleetSecret = "FleetSecret";

        /// <summary>Per-host base URIs, a sub-section keyed by host id (optional; override the fleet base URI).</summary>
        public const string HostBaseUris = "HostBaseUris";

        /// <summary>Per-host bearer tokens, a sub-section keyed by host id (optional; override the fleet secret).</summary>
        public const string HostTokens = "HostTokens";
    }
}
