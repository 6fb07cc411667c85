namespace Prescient.Local.Durable;

/// <summary>Settings of the local durable runtime (the Durable Task Framework's Azure Storage backend, e.g. on Azurite).</summary>
public sealed class LocalDurableRuntimeOptions
{
    public required string StorageConnectionString { get; init; }

    /// <summary>Task hub name (letters and digits, 3-45 characters): its queues, tables and blobs are prefixed with it.</summary>
    public string TaskHubName { get; init; } = "prescient";

    /// <summary>Upper bound of the backend's queue polling back-off; 1 s keeps durable timers and new work prompt locally.</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dequeued activity message stays invisible. The sidecar never renews it, so it must exceed the longest
    /// activity; it is also how long an activity interrupted by a crash waits before it runs again.
    /// </summary>
    public TimeSpan WorkItemVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The same for orchestration (control-queue) messages.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public int PartitionCount { get; init; } = 4;

    /// <summary>Partition lease length: how long another worker waits to take over a crashed worker's partitions.</summary>
    public TimeSpan PartitionLeaseInterval { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxConcurrentActivities { get; init; } = 64;

    public int MaxConcurrentOrchestrations { get; init; } = 64;
}
