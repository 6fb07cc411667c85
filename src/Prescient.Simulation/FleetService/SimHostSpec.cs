using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>A simulated host. CPU in cores, memory in MB, migration network bandwidth in MB/s.</summary>
public sealed record SimHostSpec(
    string HostId,
    double CpuCapacity = 32,
    double MemoryMb = 262_144,
    double BandwidthMBps = 1_250,
    PowerState PowerState = PowerState.On);
