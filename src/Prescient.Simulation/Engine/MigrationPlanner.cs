using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>VMs that move together (a group, or one VM) and the load they take with them (share of the source host).</summary>
public sealed record MoveUnit(IReadOnlyList<VmSpec> Vms, double Load, int Priority)
{
    public double MemoryMb => Vms.Sum(v => v.MemoryMb);

    /// <summary>Cost of moving: memory plus what it dirties during a nominal minute.</summary>
    public double Cost => Vms.Sum(v => v.MemoryMb + (60 * v.DirtyRateMBps));

    public string Label => string.Join("+", Vms.Select(v => v.Id));
}

/// <summary>A candidate destination as the planner sees it: its load basis (share of its capacity) and free memory.</summary>
public sealed record DestinationView(string HostId, double CpuCores, double Load, double High, double FreeMemoryMb, HostPowerState PowerState);

/// <summary>
/// Which VMs move and where (DESIGN.md section 1, "Choosing what moves" and "Choosing where"): only VMs with automatic
/// migration; groups together; lower priority first; among equals the cheapest; as few as bring the load to the
/// target. Destinations: the best fit among powered hosts that stay below their high threshold (less headroom) with
/// the arrivals and have the memory; a sleeping host is woken when nothing fits.
/// </summary>
public static class MigrationPlanner
{
    /// <summary>Groups the movable VMs into units with their loads.</summary>
    public static IReadOnlyList<MoveUnit> Units(IEnumerable<VmSpec> vms, Func<VmSpec, double> load, Func<VmSpec, bool> movable)
    {
        ArgumentNullException.ThrowIfNull(vms);
        var list = vms.ToList();
        var units = new List<MoveUnit>();
        foreach (var group in list.GroupBy(v => v.GroupId ?? "\0" + v.Id, StringComparer.Ordinal))
        {
            var members = group.ToList();
            if (members.All(v => v.AutoMigrate && movable(v)))
            {
                units.Add(new MoveUnit(members, members.Sum(load), members.Min(v => v.Priority)));
            }
        }

        return units;
    }

    /// <summary>The fewest units (lower priority first, then cheapest) whose loads sum to at least <paramref name="excess"/>; empty when none needed.</summary>
    public static IReadOnlyList<MoveUnit> ChooseOffload(IReadOnlyList<MoveUnit> units, double excess, int maxUnits)
    {
        ArgumentNullException.ThrowIfNull(units);
        var chosen = new List<MoveUnit>();
        var remaining = excess;
        var pool = units.ToList();
        while (remaining > 0 && pool.Count > 0 && chosen.Count < maxUnits)
        {
            var priority = pool.Min(u => u.Priority);
            var tier = pool.Where(u => u.Priority == priority).ToList();
            var sufficient = tier.Where(u => u.Load >= remaining).OrderBy(u => u.Cost).FirstOrDefault();
            var pick = sufficient ?? tier.OrderByDescending(u => u.Load).ThenBy(u => u.Cost).First();
            chosen.Add(pick);
            pool.Remove(pick);
            remaining -= pick.Load;
        }

        return chosen;
    }

    /// <summary>
    /// The best destination for <paramref name="unit"/> (load expressed in cores): the powered host ending up most
    /// loaded while staying at or below its high threshold less <paramref name="headroom"/>, with the memory; else a
    /// host in reduced power with the memory (to wake); else null.
    /// </summary>
    public static DestinationView? ChooseDestination(MoveUnit unit, double unitCores, IEnumerable<DestinationView> candidates, double headroom)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(candidates);
        var list = candidates.ToList();
        var fit = list
            .Where(d => d.PowerState != HostPowerState.Reduced && d.FreeMemoryMb >= unit.MemoryMb)
            .Select(d => (d, after: d.Load + (unitCores / d.CpuCores)))
            .Where(x => x.after <= x.d.High - headroom)
            .OrderByDescending(x => x.after)
            .ThenBy(x => x.d.HostId, StringComparer.Ordinal)
            .Select(x => x.d)
            .FirstOrDefault();
        return fit ?? list
            .Where(d => d.PowerState == HostPowerState.Reduced && d.FreeMemoryMb >= unit.MemoryMb && unitCores / d.CpuCores <= d.High - headroom)
            .OrderBy(d => d.HostId, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
