using System.Globalization;
using Prescient.Core.Controller;
using static Prescient.Core.Planning.FleetPlanner;

namespace Prescient.Core.Planning;

/// <summary>The working state of one planning cycle: offloads, evacuations and the plan they build. Planner-internal.</summary>
internal sealed partial class PlanningCycle
{
    private const double Epsilon = 1e-9;

    private readonly FleetSnapshot _snapshot;
    private readonly PlannerOptions _options;
    private readonly List<PlannedMove> _moves = [];
    private readonly List<PlannedEvacuation> _evacuations = [];
    private readonly List<string> _powerDowns = [];
    private readonly List<SkippedCandidate> _skipped = [];
    private int _planned;

    public PlanningCycle(FleetSnapshot snapshot, PlannerOptions options, Dictionary<string, PlanningHost> hosts)
    {
        _snapshot = snapshot;
        _options = options;
        Hosts = [.. hosts.Values.OrderBy(h => h.Id, StringComparer.Ordinal)];
    }

    public IReadOnlyList<PlanningHost> Hosts { get; }

    public DateTimeOffset Now => _snapshot.Now;

    /// <summary>Offloads, most loaded host first.</summary>
    public void Offload()
    {
        var sources = Hosts.Where(h => h.Indication == Indication.Offload)
            .OrderByDescending(h => h.Decision!.ComparedWorkload).ThenBy(h => h.Id, StringComparer.Ordinal).ToList();
        foreach (var source in sources)
        {
            source.Excluded = true; // hosts being offloaded receive nothing in this cycle
        }

        foreach (var source in sources)
        {
            OffloadOne(source);
        }
    }

    /// <summary>
    /// VMs a core of their host cannot serve (a vCPU's demand above <see cref="HostSnapshot.CoreCapacity"/>) leave,
    /// whatever the host's total load: no amount of spare capacity elsewhere on the host helps them.
    /// </summary>
    public void RelocateMisfits()
    {
        foreach (var host in Hosts.Where(h => h.IsOn && h.Snapshot.CoreCapacity is not null))
        {
            foreach (var unit in host.Units.Where(u => u.PeakPerVcpuCores > host.Snapshot.CoreCapacity!.Value + Epsilon).ToList())
            {
                if (unit.Pinned is { } pinned)
                {
                    Skip(host, unit, SkipRule.AutoMigrateOff, $"'{unit.Id}' needs more than a core of '{host.Id}' but may not move: {pinned}.");
                    continue;
                }

                if (unit.Busy || _planned >= _options.MaxMigrationsPerCycle)
                {
                    continue;
                }

                var (destination, refusals, _) = FindDestination(unit, host, _options.AllowWake, relievesOverload: true);
                if (destination is null)
                {
                    Skip(host, unit, SkipRule.NoRoom, $"'{unit.Id}' needs more than a core of '{host.Id}' and no host fits it: {refusals}");
                    continue;
                }

                _moves.Add(Apply(unit, host, destination, MoveKind.Offload,
                    $"Relocate from {host.Id}: a vCPU of '{unit.Id}' asks {F(unit.PeakPerVcpuCores)}, more than one of its cores ({F(host.Snapshot.CoreCapacity!.Value)})"));
                host.Departures++;
            }
        }
    }

    /// <summary>Reduce-power evacuations, least loaded host first; empty hosts are powered down at once.</summary>
    public void Evacuate()
    {
        foreach (var host in Hosts.Where(h => h.Indication == Indication.ReducePower && h.IsOn)
                     .OrderBy(h => h.Decision!.ComparedWorkload).ThenBy(h => h.Id, StringComparer.Ordinal).ToList())
        {
            TryEvacuate(host, "Reduce power");
        }
    }

    /// <summary>The <see cref="PlannerOptions.ConsolidateWhenFleetFits"/> extension: at most one more host emptied.</summary>
    public void ConsolidateWhenFleetFits()
    {
        var running = Hosts.Where(h => h.IsOn && !h.Emptied && h.Snapshot.Measured is not null && (h.Units.Count > 0 || h.Received)).ToList();
        var load = running.Sum(h => h.PeakLoad * h.Capacity);
        var capacity = running.Sum(h => h.Range.High * h.Capacity);
        var candidate = running
            .Where(h => h.Units.Count > 0 && !h.Received && !h.Excluded && !h.HasInFlight && h.Units.All(u => u.Pinned is null && !u.Busy && Cooling(h, u) is null))
            .OrderBy(h => h.Decision?.ComparedWorkload ?? h.PeakLoad).ThenBy(h => h.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (candidate is not null && load <= capacity - (candidate.Range.High * candidate.Capacity))
        {
            TryEvacuate(candidate, string.Create(CultureInfo.InvariantCulture,
                $"Consolidate: the running hosts' peak load {load:0.##} cores fits under their high thresholds on one host fewer"));
        }
    }

    public CyclePlan Result() => new(
        [.. Hosts.Select(h => new HostOutcome(h.Id, h.Decision, h.NewState, h.IndicationSince, [.. h.Notes, .. SkipNotes(h.Id)]))],
        _moves,
        _evacuations,
        _powerDowns,
        _skipped);

    private void OffloadOne(PlanningHost source)
    {
        var decision = source.Decision!;
        var high = decision.Range.High;
        var target = Math.Max(decision.Range.Low, high - _options.OffloadMargin);
        // A saturated host measures 100 % at most: its VMs' demand, when higher, is what must be brought down. A proactive
        // host (its forecasts proved accurate) is brought down to its range over every forecast period, so that an
        // offload on a rising load is not repeated period after period.
        var before = Math.Max(decision.ComparedWorkload, source.Units.Sum(u => u.CpuCores[0]) / source.Capacity);
        if (decision.ModeAfter == ControllerMode.Proactive)
        {
            before = Math.Max(before, source.PeakLoad);
        }

        var load = before - (source.InFlightDepartingCores / source.Capacity);
        var overloadedNow = (source.Snapshot.Measured ?? 0) > high + Epsilon;
        if (load <= target + Epsilon)
        {
            source.Notes.Add($"Offload: migrations in flight already take the load to {F(load)}.");
            return;
        }

        if (HoldPending(source) is { } hold)
        {
            Skip(source, [], SkipRule.Hold, hold);
            return;
        }

        var candidates = new List<PlanningUnit>();
        foreach (var unit in source.Units)
        {
            var share = unit.PeakCores / source.Capacity;
            if (Blocked(source, unit) is { } blocked)
            {
                Skip(source, unit, blocked.Rule, blocked.Reason);
            }
            else if (share < source.Settings.MinimumImprovement)
            {
                Skip(source, unit, SkipRule.MinimumImprovement,
                    $"Moving '{unit.Id}' lowers the load of '{source.Id}' by {F(share)}, less than the minimum {F(source.Settings.MinimumImprovement)}.");
            }
            else
            {
                candidates.Add(unit);
            }
        }

        var moved = 0;
        while (load > target + Epsilon)
        {
            if (_planned >= _options.MaxMigrationsPerCycle)
            {
                Skip(source, [], SkipRule.CycleCap, $"The cap of {_options.MaxMigrationsPerCycle} migrations per cycle is reached.");
                break;
            }

            if (source.Departures >= source.Settings.MaxMigrationsPerHostPerCycle)
            {
                Skip(source, [], SkipRule.HostCap, $"Host '{source.Id}' already has {source.Departures} migrations this cycle (its cap).");
                break;
            }

            var misfit = source.Snapshot.CoreCapacity is { } core ? candidates.FirstOrDefault(u => u.PeakPerVcpuCores > core + Epsilon) : null;
            if ((misfit ?? Choose(candidates, (load - target) * source.Capacity)) is not { } unit)
            {
                break;
            }

            candidates.Remove(unit);
            if (CostBenefit(source, unit, high) is { } why)
            {
                Skip(source, unit, SkipRule.CostBenefit, why);
                continue;
            }

            var (destination, refusals, onMeasured) = FindDestination(unit, source, _options.AllowWake, relievesOverload: true, overloadedNow);
            if (destination is null && MakeRoom(unit, source) is { } made)
            {
                _moves.Add(made);
                destination = Hosts.First(h => h.Id == made.SourceHostId);
            }

            if (destination is null)
            {
                Skip(source, unit, SkipRule.NoRoom, $"No host fits '{unit.Id}': {refusals}");
                continue;
            }

            var share = unit.PeakCores / source.Capacity;
            _moves.Add(Apply(unit, source, destination, MoveKind.Offload,
                $"Offload {source.Id}: load {F(load)} above the target {F(target)} (high {F(high)} less the margin)", onMeasured));
            source.Departures++;
            load -= share;
            moved++;
        }

        source.Notes.Add(load <= target + Epsilon
            ? $"Offload: {moved} move(s) take the load from {F(before)} to {F(load)}, within the target {F(target)}."
            : $"Offload: {moved} move(s) take the load from {F(before)} to {F(load)}; not enough could move to reach {F(target)} (see the skipped candidates).");
    }

    private bool TryEvacuate(PlanningHost host, string why)
    {
        if (host.Received && !_options.MayEvacuateReceivers)
        {
            Skip(host, [], SkipRule.HostBusy, $"{why}: '{host.Id}' received VMs in this cycle; it is not emptied now.");
            return false;
        }

        if (host.HasInFlight)
        {
            Skip(host, [], SkipRule.HostBusy, $"{why}: '{host.Id}' has migrations in flight; it is emptied once they finish.");
            return false;
        }

        if (HoldPending(host) is { } hold)
        {
            Skip(host, [], SkipRule.Hold, hold);
            return false;
        }

        if (host.Units.Count == 0)
        {
            host.Excluded = host.Emptied = true;
            _powerDowns.Add(host.Id);
            host.Notes.Add($"{why}: '{host.Id}' runs no VM: power it down.");
            return true;
        }

        var blocked = host.Units.Select(u => (Unit: u, Block: Blocked(host, u))).Where(b => b.Block is not null).ToList();
        if (blocked.Count > 0)
        {
            foreach (var (unit, block) in blocked)
            {
                Skip(host, unit, block!.Value.Rule, block.Value.Reason);
            }

            host.Notes.Add($"{why}: '{host.Id}' stays on: {string.Join("; ", blocked.Select(b => $"{b.Unit.Id}: {b.Block!.Value.Reason}"))}.");
            return false;
        }

        if (_planned + host.Units.Count > _options.MaxMigrationsPerCycle)
        {
            Skip(host, [], SkipRule.CycleCap,
                $"{why}: emptying '{host.Id}' needs {host.Units.Count} migrations; {_options.MaxMigrationsPerCycle - _planned} remain under the cap of {_options.MaxMigrationsPerCycle} per cycle.");
            return false;
        }

        host.Excluded = true;
        var undo = new List<(PlanningUnit Unit, PlanningHost Destination, bool Received, bool Woken)>();
        var moves = new List<PlannedMove>();
        foreach (var unit in host.Units.ToList().OrderByDescending(u => u.PeakCores).ThenByDescending(u => u.MemoryMb).ThenBy(u => u.Id, StringComparer.Ordinal))
        {
            var (destination, refusals, _) = FindDestination(unit, host, allowWake: false);
            if (destination is null)
            {
                for (var i = undo.Count - 1; i >= 0; i--)
                {
                    var (u, d, received, woken) = undo[i];
                    host.Add(u, +1);
                    d.Add(u, -1);
                    d.Units.Remove(u);
                    host.Units.Add(u);
                    d.Arrivals--;
                    d.Received = received;
                    d.Woken = woken;
                    _planned--;
                }

                host.Units.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
                host.Excluded = false;
                Skip(host, unit, SkipRule.NoRoom, $"{why}: no running host fits '{unit.Id}' ({refusals}); '{host.Id}' stays on, nothing moves.");
                host.Notes.Add($"{why}: '{host.Id}' stays on: no room for '{unit.Id}'.");
                return false;
            }

            undo.Add((unit, destination, destination.Received, destination.Woken));
            moves.Add(Apply(unit, host, destination, MoveKind.Evacuation, $"{why}: '{host.Id}' is emptied (every VM leaves, then its power is reduced)"));
        }

        host.Emptied = true;
        _evacuations.Add(new PlannedEvacuation(host.Id, moves, $"{why}: {moves.Count} move(s), then reduce the power of '{host.Id}'.") { DryRun = host.Settings.DryRun });
        host.Notes.Add($"{why}: {moves.Count} move(s) empty '{host.Id}', then its power is reduced.");
        return true;
    }

    private PlannedMove Apply(PlanningUnit unit, PlanningHost source, PlanningHost destination, MoveKind kind, string why, bool onMeasured = false)
    {
        // Every move to a host that was asleep says so: waking is idempotent, and no move may start before it runs.
        var wakes = destination.Snapshot.PowerState == Migration.PowerState.Reduced;
        var share = unit.PeakCores / source.Capacity;
        source.Add(unit, -1);
        destination.Add(unit, +1);
        source.Units.Remove(unit);
        destination.Units.Add(unit);
        destination.Arrivals++;
        destination.Received = true;
        destination.Woken |= wakes;
        _planned++;
        var fits = onMeasured
            ? $"its load now {F(destination.NowCores / destination.Capacity)} stays within {destination.Range} (by the loads measured now: " +
              $"every forecast left no room; this one puts its peak at {F(destination.PeakLoad)})"
            : $"its peak {F(destination.PeakLoad)} stays within {destination.Range}";
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{why}; '{unit.Id}' ({F(share)} of '{source.Id}', {unit.MemoryMb:0} MB, about {unit.Cost.Total.TotalSeconds:0} s to move) to '{destination.Id}'" +
            $"{(wakes ? " (woken: no running host fits)" : string.Empty)}: {fits}, " +
            $"memory {destination.MemoryUsedMb:0}/{destination.Snapshot.MemoryMb:0} MB.");
        return new PlannedMove(source.Id, destination.Id, unit.VmIds, unit.GroupId, kind, wakes, share, unit.Cost, reason) { DryRun = source.Settings.DryRun };
    }
}
