namespace Prescient.Agent.Configuration;

public enum TransportKind
{
    /// <summary>Not set: only <c>--once</c> runs without a transport.</summary>
    None,
    EventHubs,
    StorageQueue,
}
