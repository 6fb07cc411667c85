namespace Prescient.Agent.Configuration;

public sealed class TransportOptions
{
    public TransportKind Kind { get; set; } = TransportKind.None;

    public EventHubsTransportOptions EventHubs { get; set; } = new();

    public StorageQueueTransportOptions StorageQueue { get; set; } = new();
}
