namespace Prescient.Core.Selection;

/// <summary>
/// What moves as one: a single VM, or a move-together group. Figures are sums over its VMs.
/// </summary>
public sealed record MigrationUnit
{
    /// <summary>A unit of <paramref name="vms"/> (one VM, or the VMs of one group).</summary>
    /// <param name="vms">At least one VM; all of the same group (or a single VM without a group).</param>
    /// <param name="costModel">Estimates how long moving the unit takes.</param>
    public MigrationUnit(IReadOnlyList<VmInfo> vms, MigrationCostModel costModel)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(costModel);
        if (vms.Count == 0)
        {
            throw new ArgumentException("A migration unit needs at least one VM.", nameof(vms));
        }

        var group = vms[0].GroupId;
        if (group is null ? vms.Count != 1 : vms.Any(v => v.GroupId != group))
        {
            throw new ArgumentException("A migration unit is one VM without a group, or VMs of one group.", nameof(vms));
        }

        Vms = vms;
        Id = group ?? vms[0].VmId;
        GroupId = group;
        Priority = vms.Max(v => v.Priority);
        Cpu = vms.Sum(v => v.Cpu);
        MemoryMb = vms.Sum(v => v.MemoryMb);
        Cost = vms.Aggregate(MigrationCostEstimate.Zero, (sum, v) => sum + costModel.Estimate(v.MemoryMb, v.DirtyRateMbps));
    }

    /// <summary>The group id, or the VM id for a single VM.</summary>
    public string Id { get; }

    /// <summary>The group, if any.</summary>
    public string? GroupId { get; }

    /// <summary>The VMs.</summary>
    public IReadOnlyList<VmInfo> Vms { get; }

    /// <summary>The unit's priority: the highest of its VMs' (a group is as important as its most important VM).</summary>
    public int Priority { get; }

    /// <summary>Total CPU share of the source host.</summary>
    public double Cpu { get; }

    /// <summary>Total memory in MB.</summary>
    public double MemoryMb { get; }

    /// <summary>Estimated cost of moving the unit (its VMs one after another).</summary>
    public MigrationCostEstimate Cost { get; }
}
