using Prescient.Core.Migration;
using Prescient.Core.Controller;
using Prescient.Core.Settings;

namespace Prescient.Core.Selection;

/// <summary>One host's part in a planning cycle.</summary>
/// <param name="Host">Its status (also used when it is a candidate destination).</param>
/// <param name="Indication">The controller's indication for it.</param>
/// <param name="Load">The workload the controller compared (predicted when proactive, measured when reactive): what an offload must bring down to the range's high threshold.</param>
/// <param name="Vms">Its VMs.</param>
public sealed record HostCycle(HostView Host, Indication Indication, double Load, IReadOnlyList<VmInfo> Vms);

/// <summary>What one host chose to move.</summary>
public sealed record HostSelection(string HostId, VmSelection Selection);

/// <summary>A cycle's plan.</summary>
/// <param name="Migrations">Approved moves, in order.</param>
/// <param name="Rejected">Moves the guard stopped, with the rule and reason.</param>
/// <param name="Unplaced">Units no destination could take.</param>
/// <param name="Selections">What each offloading or evacuating host chose to move (host id, selection).</param>
/// <param name="WakeHosts">Sleeping hosts that receive VMs and must be woken first.</param>
/// <param name="PowerDownHosts">Hosts whose every VM leaves (or that have none): reduce their power once the moves finish.</param>
/// <param name="Notes">Why hosts could not be helped, in words.</param>
public sealed record MigrationPlan(
    IReadOnlyList<PlannedMigration> Migrations,
    IReadOnlyList<RejectedMigration> Rejected,
    IReadOnlyList<Placement> Unplaced,
    IReadOnlyList<HostSelection> Selections,
    IReadOnlyList<string> WakeHosts,
    IReadOnlyList<string> PowerDownHosts,
    IReadOnlyList<string> Notes);

/// <summary>
/// Plans one cycle for a fleet: offloads first (most overloaded first), then evacuations for reduced power (least
/// loaded first, all or nothing: a host is only evacuated when every VM can move and has a destination). Hosts with an
/// indication never receive VMs in the same cycle. The plan then goes through <see cref="MigrationGuard"/>; an
/// evacuation with a stopped move is dropped whole. Destinations stay reserved for moves the guard stops, so the
/// plan errs on the safe side.
/// </summary>
public sealed class MigrationPlanner
{
    private readonly VmSelector _selector;

    /// <summary>A planner selecting VMs with <paramref name="selector"/> (default selector when null).</summary>
    public MigrationPlanner(VmSelector? selector = null)
    {
        _selector = selector ?? new VmSelector();
    }

    /// <summary>Plans a cycle.</summary>
    public MigrationPlan Plan(IReadOnlyList<HostCycle> hosts, GuardContext context, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var destinations = new DestinationSelector(
            hosts.Select(h => h.Host),
            hosts.Where(h => h.Indication != Indication.None).Select(h => h.Host.HostId));
        var plan = new List<PlannedMigration>();
        var unplaced = new List<Placement>();
        var selections = new List<HostSelection>();
        var notes = new List<string>();
        var evacuations = new List<string>();

        foreach (var host in hosts.Where(h => h.Indication == Indication.Offload).OrderByDescending(h => h.Load - h.Host.Range.High))
        {
            var selection = _selector.Offload(host.Vms, host.Load, host.Host.Range.High);
            selections.Add(new HostSelection(host.Host.HostId, selection));
            foreach (var unit in selection.Units)
            {
                var placement = destinations.Place(unit, host.Host.HostId);
                if (placement.Placed)
                {
                    plan.Add(PlannedMigration.From(placement, Indication.Offload));
                }
                else
                {
                    unplaced.Add(placement);
                }
            }
        }

        foreach (var host in hosts.Where(h => h.Indication == Indication.ReducePower && h.Host.PowerState == PowerState.On).OrderBy(h => h.Load))
        {
            var id = host.Host.HostId;
            var selection = _selector.Evacuate(host.Vms);
            selections.Add(new HostSelection(id, selection));
            if (!selection.Sufficient)
            {
                notes.Add($"Host '{id}' stays on: {selection.Unmovable.Count} VM(s) cannot move ({string.Join(", ", selection.Unmovable.Select(u => u.Vm.VmId))}).");
                continue;
            }

            var placed = new List<Placement>();
            Placement? failed = null;
            foreach (var unit in selection.Units)
            {
                var placement = destinations.Place(unit, id);
                if (!placement.Placed)
                {
                    failed = placement;
                    break;
                }

                placed.Add(placement);
            }

            if (failed is not null)
            {
                for (var i = placed.Count - 1; i >= 0; i--)
                {
                    destinations.Unplace(placed[i]);
                }

                unplaced.Add(failed);
                notes.Add($"Host '{id}' stays on: {failed.Reason}");
                continue;
            }

            plan.AddRange(placed.Select(p => PlannedMigration.From(p, Indication.ReducePower)));
            evacuations.Add(id);
        }

        var guarded = MigrationGuard.Filter(plan, context, settings);
        var approved = guarded.Approved.ToList();
        var rejected = guarded.Rejected.ToList();
        var powerDown = new List<string>();
        foreach (var id in evacuations)
        {
            var stopped = rejected.FirstOrDefault(r => r.Migration.SourceHostId == id && r.Migration.Indication == Indication.ReducePower);
            if (stopped is null)
            {
                powerDown.Add(id);
                continue;
            }

            foreach (var move in approved.Where(m => m.SourceHostId == id && m.Indication == Indication.ReducePower).ToList())
            {
                approved.Remove(move);
                rejected.Add(new RejectedMigration(move, GuardRule.IncompleteEvacuation,
                    $"The evacuation of '{id}' is incomplete (unit '{stopped.Migration.Unit.Id}': {stopped.Rule}), so the host cannot be powered down."));
            }

            notes.Add($"Host '{id}' stays on: {stopped.Reason}");
        }

        var sleeping = hosts.Where(h => h.Host.PowerState == PowerState.Reduced).Select(h => h.Host.HostId).ToHashSet(StringComparer.Ordinal);
        var wake = approved.Select(m => m.DestinationHostId).Where(sleeping.Contains).Distinct(StringComparer.Ordinal).ToList();
        return new MigrationPlan(approved, rejected, unplaced, selections, wake, powerDown, notes);
    }
}
