using Prescient.Core.Migration;

namespace Prescient.Core.Planning;

/// <summary>What moves as one: a VM, or a move-together group of VMs on the same host. Planner-internal.</summary>
internal sealed class PlanningUnit
{
    public PlanningUnit(IReadOnlyList<VmSnapshot> vms, int horizon, MigrationCostSettings cost, IReadOnlySet<string> busy)
    {
        Vms = vms;
        GroupId = vms[0].Settings.GroupId;
        Id = GroupId ?? vms[0].VmId;
        VmIds = [.. vms.Select(v => v.VmId)];
        Priority = vms.Max(v => v.Settings.Priority);
        MemoryMb = vms.Sum(v => v.MemoryMb);
        CpuCores = new double[horizon];
        foreach (var vm in vms)
        {
            for (var i = 0; i < horizon; i++)
            {
                CpuCores[i] += vm.ForecastCpuCores is { Count: > 0 } f ? f[Math.Min(i, f.Count - 1)] : vm.CpuCores;
            }
        }

        PeakCores = CpuCores.Max();
        NowCores = vms.Sum(v => v.CpuCores);
        PeakPerVcpuCores = vms.Max(v => (v.ForecastCpuCores is { Count: > 0 } f ? Math.Max(v.CpuCores, f.Max()) : v.CpuCores) / Math.Max(1, v.Vcpus));
        Cost = vms.Select(v => v.MemoryMb > 0 ? MigrationCostModel.Estimate(v.MemoryMb, v.DirtyRateMBps, cost) : null)
            .OfType<MigrationEstimate>()
            .Aggregate((MigrationEstimate?)null, (sum, e) => sum is null ? e : Combine(sum, e))
            ?? new MigrationEstimate([], 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, true, false, "nothing to copy");
        LastMovedAt = vms.Max(v => v.LastMovedAt);
        var pinned = vms.Where(v => !v.Settings.AutoMigrate).Select(v => v.VmId).ToList();
        Pinned = pinned.Count == 0 ? null
            : GroupId is null || pinned.Count == vms.Count ? $"automatic migration is off for {string.Join(", ", pinned)}"
            : $"its group '{GroupId}' moves together and automatic migration is off for {string.Join(", ", pinned)}";
        Busy = vms.Any(v => busy.Contains(v.VmId));
    }

    public string Id { get; }

    public string? GroupId { get; }

    public IReadOnlyList<VmSnapshot> Vms { get; }

    public IReadOnlyList<string> VmIds { get; }

    /// <summary>A group is as important as its most important VM; lower priorities move first.</summary>
    public int Priority { get; }

    public double MemoryMb { get; }

    /// <summary>Demand per horizon period, in cores.</summary>
    public double[] CpuCores { get; }

    public double PeakCores { get; }

    /// <summary>Its demand now, in cores (the VMs' measured demand, without forecasts).</summary>
    public double NowCores { get; }

    /// <summary>The highest demand of one vCPU of its VMs, in cores (what one physical core must hold).</summary>
    public double PeakPerVcpuCores { get; }

    public MigrationEstimate Cost { get; }

    public DateTimeOffset? LastMovedAt { get; }

    /// <summary>Why it may not move automatically; null when it may.</summary>
    public string? Pinned { get; }

    /// <summary>A VM of the unit is migrating already.</summary>
    public bool Busy { get; }

    private static MigrationEstimate Combine(MigrationEstimate a, MigrationEstimate b) => new(
        [.. a.Rounds, .. b.Rounds],
        a.StopCopyMb + b.StopCopyMb,
        a.PreCopy + b.PreCopy,
        a.Downtime + b.Downtime,
        a.Total + b.Total,
        a.Converged && b.Converged,
        a.Aborted || b.Aborted,
        a.Outcome + "; " + b.Outcome);
}
