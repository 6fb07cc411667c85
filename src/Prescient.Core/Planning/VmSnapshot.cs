using Prescient.Core.Settings;

namespace Prescient.Core.Planning;

/// <summary>A VM as the planner sees it.</summary>
/// <param name="VmId">The VM.</param>
/// <param name="HostId">The host it runs on now.</param>
/// <param name="CpuCores">Its CPU demand now, in cores (the unit of <see cref="HostSnapshot.CpuCapacityCores"/>).</param>
/// <param name="MemoryMb">Its memory in MB.</param>
/// <param name="DirtyRateMBps">How fast it dirties memory, in MB/s (the cost of moving it).</param>
public sealed record VmSnapshot(string VmId, string HostId, double CpuCores, double MemoryMb, double DirtyRateMBps)
{
    /// <summary>The VM; not empty.</summary>
    public string VmId { get; init; } = string.IsNullOrWhiteSpace(VmId) ? throw new ArgumentException("A VM needs an id.", nameof(VmId)) : VmId;

    /// <summary>CPU demand; finite, 0 or more.</summary>
    public double CpuCores { get; init; } = double.IsFinite(CpuCores) && CpuCores >= 0
        ? CpuCores
        : throw new ArgumentOutOfRangeException(nameof(CpuCores), CpuCores, "A VM's CPU demand must be a finite number of cores, 0 or more.");

    /// <summary>Memory; finite, 0 or more.</summary>
    public double MemoryMb { get; init; } = double.IsFinite(MemoryMb) && MemoryMb >= 0
        ? MemoryMb
        : throw new ArgumentOutOfRangeException(nameof(MemoryMb), MemoryMb, "A VM's memory must be a finite number of MB, 0 or more.");

    /// <summary>Dirty rate; finite, 0 or more.</summary>
    public double DirtyRateMBps { get; init; } = double.IsFinite(DirtyRateMBps) && DirtyRateMBps >= 0
        ? DirtyRateMBps
        : throw new ArgumentOutOfRangeException(nameof(DirtyRateMBps), DirtyRateMBps, "A VM's dirty rate must be a finite number of MB/s, 0 or more.");

    /// <summary>Automatic migration, move-together group and priority.</summary>
    public VmSettings Settings { get; init; } = VmSettings.Default;

    /// <summary>
    /// Its own forecast demand per coming period in cores (an upper quantile), when a per-VM forecaster exists; null:
    /// its current demand stands for every period. Where it arrives, this is what the destination must hold.
    /// </summary>
    public IReadOnlyList<double>? ForecastCpuCores { get; init; }

    /// <summary>Its virtual CPUs (at least 1): its demand spreads over them (see <see cref="HostSnapshot.CoreCapacity"/>).</summary>
    public int Vcpus { get; init; } = 1;

    /// <summary>When it last moved (the cooldown starts there); null: never.</summary>
    public DateTimeOffset? LastMovedAt { get; init; }
}
