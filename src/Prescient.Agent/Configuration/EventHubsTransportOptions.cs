namespace Prescient.Agent.Configuration;

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
