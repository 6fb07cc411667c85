namespace Prescient.Agent.Configuration;

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
