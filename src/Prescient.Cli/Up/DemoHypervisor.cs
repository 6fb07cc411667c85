namespace Prescient.Cli.Up;

/// <summary>Which hypervisors the local pipeline migrates VMs on.</summary>
public enum DemoHypervisor
{
    /// <summary>The fleet simulator service: simulated hosts and VMs behind the hypervisor contract.</summary>
    Simulated,

    /// <summary>Real QEMU guests, each host an agent endpoint on loopback owning its QEMU processes (<see cref="QemuDemoFleet"/>).</summary>
    Qemu,
}
