using System.Globalization;
using Prescient.Core.Controller;
using Prescient.Core.Migration;

namespace Prescient.Core.Planning;

/// <summary>
/// The one balancing engine: from a <see cref="FleetSnapshot"/> to a <see cref="CyclePlan"/>, as a pure function.
/// The Functions app's evaluate timer, <c>prescient up</c>, <c>simulate</c> and the Prescient policies of
/// <c>bench consolidation</c> all call it; they differ only in how they build the snapshot and carry out the plan.
/// </summary>
/// <remarks>
/// A cycle:
/// <list type="number">
/// <item>Each running host with a measurement: the patent's controller (<see cref="HostController"/>) turns its measured
/// load and forecast (mean, and the upper quantile over <see cref="PlannerOptions.DecisionHorizonPeriods"/>) into an
/// offload or reduce-power indication, switching modes by autostart and failsafe.</item>
/// <item>Offloads, most loaded host first: movable units (a VM, or a move-together group) leave until the host's load
/// is back at its high threshold less <see cref="PlannerOptions.OffloadMargin"/>: lower priorities first; among equals,
/// the cheapest single unit that suffices, otherwise the largest. A candidate that is pinned, busy, cooling down, too
/// small, or has nowhere to go is skipped with its reason and the next one is tried, within the caps per host and
/// per cycle.</item>
/// <item>Destinations: a running host (or, for offloads only, a reduced-power one to wake when none fits) that is not
/// being emptied, within its cap of arrivals, with the memory (never overcommitted) and whose projected load over
/// every forecast period stays at or below its high threshold with the arrival. Among those, the best fit: the host
/// left fullest by its dominant resource. For a source above its threshold now, when no host passes by its forecast, the
/// loads measured now decide (a host's forecast is learnt from the VMs it ran, and after consolidation can see a
/// half-empty host at its old peak); the move says so.</item>
/// <item>Reduce power, least loaded host first: all VMs or none (automatic migration off anywhere on the host keeps it
/// on, and says so), only onto running hosts, never a host that received VMs in this cycle; an empty running host is
/// powered down at once.</item>
/// </list>
/// Each host's outcome lists what was done and what was skipped, so every decision explains itself.
/// </remarks>
public static class FleetPlanner
{
    /// <summary>Plans one cycle.</summary>
    /// <exception cref="ArgumentException">The snapshot is inconsistent (duplicate ids, a VM on an unknown host) or the options are invalid.</exception>
    public static CyclePlan Plan(FleetSnapshot snapshot, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        options ??= PlannerOptions.Default;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        var cycle = new PlanningCycle(snapshot, options, Build(snapshot, options));
        RunControllers(cycle, options);
        cycle.Offload();
        cycle.RelocateMisfits();
        cycle.Evacuate();
        if (options.ConsolidateWhenFleetFits)
        {
            cycle.ConsolidateWhenFleetFits();
        }

        return cycle.Result();
    }

    private static Dictionary<string, PlanningHost> Build(FleetSnapshot snapshot, PlannerOptions options)
    {
        var horizon = Math.Max(1, snapshot.Hosts.Select(h => h.Forecast?.Mean.Count ?? 0).DefaultIfEmpty(0).Max());
        var hosts = new Dictionary<string, PlanningHost>(StringComparer.Ordinal);
        foreach (var host in snapshot.Hosts)
        {
            if (!hosts.TryAdd(host.HostId, new PlanningHost(host, horizon)))
            {
                throw new ArgumentException($"Host '{host.HostId}' appears more than once.", nameof(snapshot));
            }
        }

        var busy = new HashSet<string>(snapshot.InFlight.SelectMany(m => m.VmIds), StringComparer.Ordinal);
        var vms = new Dictionary<string, VmSnapshot>(StringComparer.Ordinal);
        foreach (var vm in snapshot.Vms)
        {
            if (!vms.TryAdd(vm.VmId, vm))
            {
                throw new ArgumentException($"VM '{vm.VmId}' appears more than once.", nameof(snapshot));
            }

            if (!hosts.TryGetValue(vm.HostId, out var host))
            {
                throw new ArgumentException($"VM '{vm.VmId}' runs on host '{vm.HostId}', which is not in the snapshot.", nameof(snapshot));
            }

            host.MemoryUsedMb += vm.MemoryMb;
        }

        var byHost = snapshot.Vms.ToLookup(v => v.HostId, StringComparer.Ordinal);
        foreach (var host in hosts.Values)
        {
            var mine = byHost[host.Id].ToList();
            foreach (var group in mine.Where(v => v.Settings.GroupId is not null).GroupBy(v => v.Settings.GroupId!, StringComparer.Ordinal))
            {
                host.Units.Add(new PlanningUnit([.. group.OrderBy(v => v.VmId, StringComparer.Ordinal)], horizon, options.MigrationCost, busy));
            }

            host.Units.AddRange(mine.Where(v => v.Settings.GroupId is null).Select(v => new PlanningUnit([v], horizon, options.MigrationCost, busy)));
            host.Units.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));

            // A saturated host measures at most 100 %: its VMs' own demand, when higher, is the load now.
            host.LoadCores[0] = Math.Max(host.LoadCores[0], host.Units.Sum(u => u.CpuCores[0]));
            host.NowCores = Math.Max(host.NowCores, host.Units.Sum(u => u.NowCores));
        }

        foreach (var move in snapshot.InFlight)
        {
            var moving = move.VmIds.Select(id => vms.GetValueOrDefault(id)).OfType<VmSnapshot>().ToList();
            if (string.Equals(move.SourceHostId, move.DestinationHostId, StringComparison.Ordinal))
            {
                continue; // only the VMs are known to be busy (a lease without a destination): nothing leaves or arrives yet
            }

            if (hosts.TryGetValue(move.SourceHostId, out var source))
            {
                source.HasInFlight = true;
                source.BeingEvacuated |= move.Evacuation;
                source.InFlightDepartingCores += moving.Where(v => v.HostId == source.Id).Sum(v => v.CpuCores);
            }

            if (hosts.TryGetValue(move.DestinationHostId, out var destination))
            {
                destination.HasInFlight = true;
                var arriving = moving.Where(v => v.HostId != destination.Id).ToList();
                if (arriving.Count > 0)
                {
                    // Reserved at the destination until the switch-over: memory and CPU count on both sides.
                    destination.Add(new PlanningUnit(arriving, horizon, options.MigrationCost, busy), +1);
                }
            }
        }

        return hosts;
    }

    private static void RunControllers(PlanningCycle cycle, PlannerOptions options)
    {
        foreach (var host in cycle.Hosts)
        {
            var snapshot = host.Snapshot;
            if (!snapshot.Evaluate)
            {
                continue;
            }

            if (snapshot.PowerState != PowerState.On)
            {
                host.Notes.Add(snapshot.PowerState switch
                {
                    PowerState.Reduced => "In reduced power: no telemetry; a destination to wake when no running host fits an offload.",
                    PowerState.Waking => "Waking up: receives nothing until it runs.",
                    _ => "Unavailable: never a destination.",
                });
                continue;
            }

            if (snapshot.Measured is not { } measured)
            {
                host.Notes.Add("No measurement for the period just ended: not evaluated, not a destination.");
                continue;
            }

            var forecast = snapshot.Forecast;
            var input = new ControllerInput(measured, forecast?.Mean[0], snapshot.PredictionError, cycle.Now)
            {
                PredictedUpper = forecast?.UpperPeak(options.DecisionHorizonPeriods),
            };
            var (decision, state) = HostController.Evaluate(snapshot.ControllerState, input, snapshot.Settings);
            host.Decision = decision;
            host.NewState = state;
            host.IndicationSince = snapshot.ControllerState.LastDecision?.Indication == decision.Indication && snapshot.IndicationSince is { } since
                ? since
                : cycle.Now;
        }
    }

    /// <summary>A number for a reason text.</summary>
    internal static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
