namespace Prescient.Hypervisor;

/// <summary>Where and how one host's endpoint listens.</summary>
public sealed class HypervisorServerOptions
{
    /// <summary>The address to listen on (the management network's address of this host).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port.</summary>
    public int Port { get; set; } = 7080;

    /// <summary>The bearer token Prescient presents for this host (<c>HostTokens.Derive(fleetSecret, hostId)</c> or provisioned).</summary>
    public string HostToken { get; set; } = "";

    /// <summary>The migration domain's token for the agent-to-agent routes (null: this host neither sends nor receives VMs).</summary>
    public string? PeerToken { get; set; }
}
