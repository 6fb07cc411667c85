using Prescient.Hypervisor.Libvirt;
using Prescient.Hypervisor.Power;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Agent.Configuration;

/// <summary>Which hypervisor the agent's endpoint drives.</summary>
public enum HypervisorBackendKind
{
    /// <summary>No endpoint: the agent only publishes telemetry.</summary>
    None,

    /// <summary>QEMU run directly, over QMP (docs/hypervisors.md).</summary>
    Qemu,

    /// <summary>libvirt, through virsh.</summary>
    Libvirt,
}

/// <summary>The agent's hypervisor endpoint (the <c>Agent:Hypervisor</c> section; docs/hypervisors.md).</summary>
public sealed class AgentHypervisorOptions
{
    public HypervisorBackendKind Backend { get; set; } = HypervisorBackendKind.None;

    /// <summary>The address the endpoint listens on (this host's management address).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 7080;

    /// <summary>A root-only file holding this host's bearer token (what Prescient presents for it).</summary>
    public string? TokenFile { get; set; }

    /// <summary>A root-only file holding the migration domain's peer token (the agent-to-agent routes).</summary>
    public string? PeerTokenFile { get; set; }

    /// <summary>The other agents of the migration domain: host id to endpoint base URI.</summary>
    public Dictionary<string, Uri> Peers { get; } = new(StringComparer.Ordinal);

    /// <summary>The QEMU backend (host id, peers and procfs come from the agent's own settings).</summary>
    public QemuHostOptions Qemu { get; set; } = new();

    /// <summary>The libvirt backend (host id and procfs come from the agent's own settings).</summary>
    public LibvirtHostOptions Libvirt { get; set; } = new();

    public PowerOptions Power { get; set; } = new();
}
