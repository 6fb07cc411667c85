using Prescient.Core.Workload;

namespace Prescient.Core.Selection;

/// <summary>
/// A VM as selection sees it.
/// </summary>
/// <param name="VmId">The VM.</param>
/// <param name="GroupId">Its move-together group, if any: the group moves as one.</param>
/// <param name="Priority">Lower priorities move first.</param>
/// <param name="AutoMigrate">Whether automatic migration is enabled for it.</param>
/// <param name="Cpu">Its CPU load as a fraction of its current host's capacity, in [0, 1] (its expected share for the coming periods).</param>
/// <param name="MemoryMb">Its memory in MB.</param>
/// <param name="DirtyRateMbps">How fast it dirties memory, in MB/s.</param>
public sealed record VmInfo(string VmId, string? GroupId, int Priority, bool AutoMigrate, double Cpu, double MemoryMb, double DirtyRateMbps)
{
    /// <summary>The VM; not empty.</summary>
    public string VmId { get; init; } = string.IsNullOrWhiteSpace(VmId) ? throw new ArgumentException("A VM needs an id.", nameof(VmId)) : VmId;

    /// <summary>The group, or null; not blank.</summary>
    public string? GroupId { get; init; } = GroupId is not null && string.IsNullOrWhiteSpace(GroupId)
        ? throw new ArgumentException("A group id must not be blank; use null for no group.", nameof(GroupId))
        : GroupId;

    /// <summary>CPU share of the current host in [0, 1].</summary>
    public double Cpu { get; init; } = Utilisation.Validate(Cpu, nameof(Cpu));

    /// <summary>Memory in MB; finite, 0 or more.</summary>
    public double MemoryMb { get; init; } = double.IsFinite(MemoryMb) && MemoryMb >= 0
        ? MemoryMb
        : throw new ArgumentOutOfRangeException(nameof(MemoryMb), MemoryMb, "A VM's memory must be a finite number of MB, 0 or more.");

    /// <summary>Dirty rate in MB/s; finite, 0 or more.</summary>
    public double DirtyRateMbps { get; init; } = double.IsFinite(DirtyRateMbps) && DirtyRateMbps >= 0
        ? DirtyRateMbps
        : throw new ArgumentOutOfRangeException(nameof(DirtyRateMbps), DirtyRateMbps, "A VM's dirty rate must be a finite number of MB/s, 0 or more.");
}
