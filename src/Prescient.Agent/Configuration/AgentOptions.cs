namespace Prescient.Agent.Configuration;

/// <summary>
/// The agent's settings, bound from the <c>Agent</c> section (appsettings file, environment variables
/// <c>PRESCIENT_AGENT__...</c>, command line <c>--Agent:...</c>). Validated at start by <see cref="AgentOptionsValidator"/>.
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>The host id in every batch (an Azure Table partition key downstream). Default: the machine name.</summary>
    public string HostId { get; set; } = Environment.MachineName;

    /// <summary>Time between samples.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Samples per batch (one send); a batch is sealed when it has this many samples or the agent stops.</summary>
    public int SamplesPerBatch { get; set; } = 12;

    /// <summary>Folder of the on-disk buffer (sealed batches, the open batch, the next sequence number).</summary>
    public string BufferDirectory { get; set; } = "/var/lib/prescient-agent/buffer";

    /// <summary>Upper bound of the buffer's size in bytes; when exceeded the oldest batches are dropped (and counted).</summary>
    public long MaxBufferBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Upper bound of the number of sealed batches in the buffer.</summary>
    public int MaxBufferBatches { get; set; } = 100_000;

    /// <summary>First delay after a failed send; doubles per failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time limit of one send attempt (including the SDK's own retries).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On stop, how long to keep trying to send what is buffered (0 = do not try; it is sent at the next start).</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where procfs is mounted.</summary>
    public string ProcPath { get; set; } = "/proc";

    /// <summary>Where sysfs is mounted (block devices tell real disks from loop, RAM and device-mapper devices).</summary>
    public string SysPath { get; set; } = "/sys";

    /// <summary>Root of the cgroup v2 hierarchy; empty = detect (<c>/sys/fs/cgroup</c> or <c>/sys/fs/cgroup/unified</c>).</summary>
    public string CgroupPath { get; set; } = "";

    /// <summary>The slice under which VMs run (libvirt: <c>machine.slice</c>).</summary>
    public string VmSlice { get; set; } = "machine.slice";

    public TransportOptions Transport { get; set; } = new();

    /// <summary>The hypervisor endpoint Prescient migrates VMs through (off unless a backend is chosen).</summary>
    public AgentHypervisorOptions Hypervisor { get; set; } = new();
}

public enum TransportKind
{
    /// <summary>Not set: only <c>--once</c> runs without a transport.</summary>
    None,
    EventHubs,
    StorageQueue,
}

/// <summary>Which Azure identity to use when no connection string is given.</summary>
public enum CredentialKind
{
    /// <summary><c>DefaultAzureCredential</c>: environment, workload identity, managed identity, Azure CLI, ...</summary>
    Default,
    ManagedIdentity,
    WorkloadIdentity,
    Environment,
    AzureCli,
}

public sealed class TransportOptions
{
    public TransportKind Kind { get; set; } = TransportKind.None;

    public EventHubsTransportOptions EventHubs { get; set; } = new();

    public StorageQueueTransportOptions StorageQueue { get; set; } = new();
}

/// <summary>Event Hubs: identity-based (namespace + hub + credential) unless a connection string is chosen.</summary>
public sealed class EventHubsTransportOptions
{
    /// <summary>For example <c>my-namespace.servicebus.windows.net</c>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    public string? EventHubName { get; set; }

    /// <summary>Only when the user chooses one; a secret, never logged.</summary>
    public string? ConnectionString { get; set; }

    public CredentialKind Credential { get; set; } = CredentialKind.Default;

    /// <summary>Client id of a user-assigned managed identity (or of the workload identity's app).</summary>
    public string? ClientId { get; set; }

    /// <summary>Never prints the connection string.</summary>
    public override string ToString() =>
        ConnectionString is { Length: > 0 }
            ? $"Event Hubs '{EventHubName}' (connection string, redacted)"
            : $"Event Hubs '{EventHubName}' in {FullyQualifiedNamespace} ({Credential} credential)";
}

/// <summary>Azure Storage queue: a connection string, or the queue service URI and a credential.</summary>
public sealed class StorageQueueTransportOptions
{
    /// <summary>A secret, never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For example <c>https://account.queue.core.windows.net</c>.</summary>
    public Uri? ServiceUri { get; set; }

    public string? QueueName { get; set; }

    public CredentialKind Credential { get; set; } = CredentialKind.Default;

    public string? ClientId { get; set; }

    /// <summary>Create the queue when missing (needs a role that may create queues; off by default).</summary>
    public bool CreateIfNotExists { get; set; }

    /// <summary>Never prints the connection string.</summary>
    public override string ToString() =>
        ConnectionString is { Length: > 0 }
            ? $"Storage queue '{QueueName}' (connection string, redacted)"
            : $"Storage queue '{QueueName}' at {ServiceUri} ({Credential} credential)";
}
