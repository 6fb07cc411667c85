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
