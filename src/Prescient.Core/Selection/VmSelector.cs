using System.Globalization;

namespace Prescient.Core.Selection;

/// <summary>A VM that cannot be moved, and why.</summary>
public sealed record UnmovableVm(VmInfo Vm, string Reason);

/// <summary>The VMs chosen to leave a host.</summary>
/// <param name="Units">What moves, in the order to move it.</param>
/// <param name="LoadBefore">The host load the selection had to fix.</param>
/// <param name="LoadAfter">The load left once the units have gone.</param>
/// <param name="Sufficient">Whether the selection reaches its goal (load at or below the target; or, evacuating, every VM movable).</param>
/// <param name="Unmovable">VMs that cannot move, with the reason.</param>
/// <param name="Reason">The selection, in words.</param>
public sealed record VmSelection(
    IReadOnlyList<MigrationUnit> Units,
    double LoadBefore,
    double LoadAfter,
    bool Sufficient,
    IReadOnlyList<UnmovableVm> Unmovable,
    string Reason);

/// <summary>
/// Chooses which VMs leave a host: only VMs with automatic migration enabled; a group moves together (and not at all
/// when one of its VMs may not move); lower priorities first; among equals the cheapest to move (memory size and
/// dirty rate); as few as bring the host's load back to the target.
/// </summary>
public sealed class VmSelector
{
    private const double Epsilon = 1e-12;

    /// <summary>A selector estimating costs with <paramref name="costModel"/> (default model when null).</summary>
    public VmSelector(MigrationCostModel? costModel = null)
    {
        CostModel = costModel ?? MigrationCostModel.Default;
    }

    /// <summary>The cost model.</summary>
    public MigrationCostModel CostModel { get; }

    /// <summary>
    /// The fewest units that bring <paramref name="load"/> down to <paramref name="targetLoad"/> (for an offload:
    /// the predicted or measured load that crossed the high threshold, and the high threshold). Lower priority levels
    /// are used up before a higher one is touched; within the level that completes the selection, the fewest units
    /// are chosen, the cheapest where there is a choice (and, at equal cost, the smallest that suffice).
    /// </summary>
    public VmSelection Offload(IReadOnlyList<VmInfo> vms, double load, double targetLoad)
    {
        if (!double.IsFinite(load) || !double.IsFinite(targetLoad))
        {
            throw new ArgumentOutOfRangeException(nameof(load), "The load and the target load must be finite numbers.");
        }

        var (units, unmovable) = Units(vms);
        var remaining = load - targetLoad;
        if (remaining <= Epsilon)
        {
            return new VmSelection([], load, load, true, unmovable,
                string.Create(CultureInfo.InvariantCulture, $"Load {load:0.###} is already at or below {targetLoad:0.###}: nothing to move."));
        }

        var chosen = new List<MigrationUnit>();
        foreach (var level in units.GroupBy(u => u.Priority).OrderBy(g => g.Key))
        {
            var levelUnits = level.OrderBy(u => u.Cost.Duration).ThenBy(u => u.Cpu).ThenBy(u => u.Id, StringComparer.Ordinal).ToList();
            var total = levelUnits.Sum(u => u.Cpu);
            if (total < remaining - Epsilon)
            {
                chosen.AddRange(levelUnits);
                remaining -= total;
                continue;
            }

            foreach (var unit in FewestCheapest(levelUnits, remaining))
            {
                chosen.Add(unit);
                remaining -= unit.Cpu;
            }

            break;
        }

        var after = load - chosen.Sum(u => u.Cpu);
        var sufficient = after <= targetLoad + Epsilon;
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"Load {load:0.###} above {targetLoad:0.###}: move {chosen.Count} unit(s) [{string.Join(", ", chosen.Select(u => u.Id))}] " +
            $"taking {load - after:0.###}, leaving {after:0.###}") +
            (sufficient ? "." : $"; not enough movable VMs to reach {targetLoad.ToString("0.###", CultureInfo.InvariantCulture)}.") +
            (unmovable.Count > 0 ? $" {unmovable.Count} VM(s) cannot move." : string.Empty);
        return new VmSelection(chosen, load, after, sufficient, unmovable, reason);
    }

    /// <summary>Every movable unit (to evacuate a host before reducing its power), cheapest first; reports those that cannot move.</summary>
    public VmSelection Evacuate(IReadOnlyList<VmInfo> vms)
    {
        var (units, unmovable) = Units(vms);
        var ordered = units.OrderBy(u => u.Priority).ThenBy(u => u.Cost.Duration).ThenBy(u => u.Id, StringComparer.Ordinal).ToList();
        var load = vms.Sum(v => v.Cpu);
        var after = load - ordered.Sum(u => u.Cpu);
        var reason = unmovable.Count == 0
            ? $"Evacuate: move all {ordered.Count} unit(s)."
            : $"Evacuate: move {ordered.Count} unit(s); {unmovable.Count} VM(s) cannot move, so the host cannot be powered down.";
        return new VmSelection(ordered, load, Math.Max(0, after), unmovable.Count == 0, unmovable, reason);
    }

    /// <summary>Splits VMs into movable units and unmovable VMs.</summary>
    public (IReadOnlyList<MigrationUnit> Units, IReadOnlyList<UnmovableVm> Unmovable) Units(IReadOnlyList<VmInfo> vms)
    {
        ArgumentNullException.ThrowIfNull(vms);
        var duplicate = vms.GroupBy(v => v.VmId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"VM '{duplicate.Key}' appears more than once.", nameof(vms));
        }

        var units = new List<MigrationUnit>();
        var unmovable = new List<UnmovableVm>();
        foreach (var vm in vms.Where(v => v.GroupId is null))
        {
            if (vm.AutoMigrate)
            {
                units.Add(new MigrationUnit([vm], CostModel));
            }
            else
            {
                unmovable.Add(new UnmovableVm(vm, "Automatic migration is disabled for this VM."));
            }
        }

        foreach (var group in vms.Where(v => v.GroupId is not null).GroupBy(v => v.GroupId!, StringComparer.Ordinal))
        {
            var members = group.ToList();
            var pinned = members.Where(v => !v.AutoMigrate).Select(v => v.VmId).ToList();
            if (pinned.Count == 0)
            {
                units.Add(new MigrationUnit(members, CostModel));
                continue;
            }

            foreach (var vm in members)
            {
                unmovable.Add(new UnmovableVm(vm, vm.AutoMigrate
                    ? $"Its group '{group.Key}' moves together and automatic migration is disabled for {string.Join(", ", pinned)}."
                    : "Automatic migration is disabled for this VM."));
            }
        }

        return (units, unmovable);
    }

    /// <summary>
    /// The fewest units whose CPU covers <paramref name="needed"/>, taking the cheapest where a choice keeps the count
    /// minimal. <paramref name="byCost"/> is sorted cheapest first and its total covers the need.
    /// </summary>
    private static List<MigrationUnit> FewestCheapest(List<MigrationUnit> byCost, double needed)
    {
        var bySize = byCost.Select(u => u.Cpu).OrderDescending().ToList();
        var slots = 0;
        for (var covered = 0.0; covered < needed - Epsilon && slots < bySize.Count; slots++)
        {
            covered += bySize[slots];
        }

        var picked = new List<MigrationUnit>(slots);
        for (var i = 0; i < byCost.Count && slots > 0 && needed > Epsilon; i++)
        {
            var candidate = byCost[i];
            var bestOfRest = byCost.Skip(i + 1).Select(u => u.Cpu).OrderDescending().Take(slots - 1).Sum();
            if (candidate.Cpu + bestOfRest >= needed - Epsilon)
            {
                picked.Add(candidate);
                needed -= candidate.Cpu;
                slots--;
            }
        }

        return picked;
    }
}
