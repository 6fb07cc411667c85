using Prescient.Telemetry;

namespace Prescient.Agent.Publishing;

/// <summary>The configured transport: the pipeline's publisher plus a description that is safe to log.</summary>
public sealed class AgentTransport(ITelemetryPublisher publisher, string description, IAsyncDisposable? resource) : IAsyncDisposable
{
    public ITelemetryPublisher Publisher { get; } = publisher;

    /// <summary>Endpoint and authentication kind, never a key or a SAS token.</summary>
    public string Description { get; } = description;

    public ValueTask DisposeAsync() => resource?.DisposeAsync() ?? ValueTask.CompletedTask;
}
