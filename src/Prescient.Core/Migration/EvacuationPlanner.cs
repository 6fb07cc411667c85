namespace Prescient.Core.Migration;

/// <summary>One move of an evacuation: a VM or a move-together group to one destination.</summary>
public sealed record PlannedMove(string GroupKey, string? GroupId, IReadOnlyList<string> VmIds, string DestinationHostId);

/// <summary>The evacuation plan, or why the host cannot be emptied (<see cref="Unplaced"/> non-empty).</summary>
public sealed record EvacuationPlan(
    string HostId,
    IReadOnlyList<PlannedMove> Moves,
    IReadOnlyList<string> WakeHosts,
    IReadOnlyList<string> Unplaced);

/// <summary>
/// Plans a reduce-power evacuation: every VM leaves, groups move together, the largest go first, each to the
/// powered host that stays under the load ceiling and has the memory, packing tightly (the fullest host that fits,
/// so the fleet consolidates); a sleeping host is woken only when no powered host fits.
/// </summary>
public static class EvacuationPlanner
{
    public static EvacuationPlan Plan(HostStatus source, IReadOnlyList<HostStatus> candidates, double loadCeiling)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(candidates);
        var capacity = candidates
            .Where(c => c.HostId != source.HostId)
            .ToDictionary(c => c.HostId, c => new Room(c), StringComparer.Ordinal);
        var groups = source.Vms
            .Where(v => v.State == VmRunState.Running)
            .GroupBy(v => v.GroupId is null ? "vm:" + v.VmId : "group:" + v.GroupId, StringComparer.Ordinal)
            .Select(g => (Key: g.Key, GroupId: g.First().GroupId, Vms: g.OrderBy(v => v.VmId, StringComparer.Ordinal).ToList()))
            .OrderByDescending(g => g.Vms.Sum(v => v.MemoryMb))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var moves = new List<PlannedMove>();
        var wake = new List<string>();
        var unplaced = new List<string>();
        foreach (var group in groups)
        {
            var memory = group.Vms.Sum(v => v.MemoryMb);
            var cpu = group.Vms.Sum(v => v.Cpu);
            Room? Best(bool powered) => capacity.Values
                .Where(r => (r.Status.PowerState == PowerState.On) == powered || (powered && r.Woken))
                .Where(r => r.FreeMemory >= memory && (r.CpuUsed + cpu) / r.Status.CpuCapacity <= loadCeiling)
                .OrderByDescending(r => (r.CpuUsed + cpu) / r.Status.CpuCapacity)
                .ThenBy(r => r.Status.HostId, StringComparer.Ordinal)
                .FirstOrDefault();
            var room = Best(powered: true);
            if (room is null && (room = Best(powered: false)) is not null)
            {
                room.Woken = true;
                wake.Add(room.Status.HostId);
            }

            if (room is null)
            {
                unplaced.Add($"{string.Join("+", group.Vms.Select(v => v.VmId))} ({memory:0} MB, {cpu:0.##} cores): no host has the memory and stays under {loadCeiling:0.##} load");
                continue;
            }

            room.FreeMemory -= memory;
            room.CpuUsed += cpu;
            moves.Add(new PlannedMove(group.Key, group.GroupId, group.Vms.Select(v => v.VmId).ToList(), room.Status.HostId));
        }

        return new EvacuationPlan(source.HostId, moves, wake, unplaced);
    }

    private sealed class Room(HostStatus status)
    {
        public HostStatus Status { get; } = status;

        public double FreeMemory { get; set; } = status.MemoryMb - status.Vms.Sum(v => v.MemoryMb);

        public double CpuUsed { get; set; } = status.MeasuredLoad * status.CpuCapacity;

        public bool Woken { get; set; }
    }
}
