namespace Prescient.Hypervisor.Qemu;

/// <summary>Where a host's load comes from.</summary>
public enum LoadSource
{
    /// <summary>The whole host (<c>/proc/stat</c>): a real host.</summary>
    Host,

    /// <summary>The QEMU processes this agent owns, over <see cref="QemuHostOptions.CpuCapacity"/>: several agents sharing one machine (the demo).</summary>
    OwnedVms,
}
