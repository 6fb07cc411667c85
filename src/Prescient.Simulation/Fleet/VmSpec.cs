using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Fleet;

/// <summary>
/// A VM: its size in virtual CPUs, its CPU demand over time in cores, memory, memory dirty rate (MB/s, drives
/// pre-copy), move-together group, priority (lower moves first) and whether automatic migration is enabled.
/// </summary>
public sealed record VmSpec(
    string Id,
    double Vcpus,
    double MemoryMb,
    double DirtyRateMBps,
    TimeSeries DemandCores,
    string? GroupId = null,
    int Priority = 0,
    bool AutoMigrate = true)
{
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Id);
        ArgumentNullException.ThrowIfNull(DemandCores);
        if (!(Vcpus > 0) || !(MemoryMb > 0) || !(DirtyRateMBps >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryMb), $"VM '{Id}': vCPUs and memory must be positive and the dirty rate not negative.");
        }
    }
}
