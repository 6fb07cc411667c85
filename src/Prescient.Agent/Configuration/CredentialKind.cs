namespace Prescient.Agent.Configuration;

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
