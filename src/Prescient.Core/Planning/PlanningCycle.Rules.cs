using System.Globalization;
using Prescient.Core.Controller;
using static Prescient.Core.Planning.FleetPlanner;

namespace Prescient.Core.Planning;

/// <summary>The planning cycle's rules: where a unit may go, which unit goes first, and what blocks a move.</summary>
internal sealed partial class PlanningCycle
{
    private (PlanningHost? Host, string Refusals, bool OnMeasured) FindDestination(
        PlanningUnit unit, PlanningHost source, bool allowWake, bool relievesOverload = false, bool overloadedNow = false)
    {
        // Running hosts with the margin kept, then a sleeping host to wake; for a move that relieves an overload, then
        // running hosts filled up to their high threshold: the source is relieved even when every host is past its
        // margin, and a host is woken before the running ones are filled to the edge. An evacuation keeps the margin.
        // Last, for a source above its threshold now: the loads measured now (the reactive view). A host's forecast is
        // learnt from the VMs it ran; after VMs leave or arrive it can put a half-empty host at its peak, and an overload
        // measured now is not left in place because every forecast says there is no room.
        var refusals = new Dictionary<string, string>(StringComparer.Ordinal);
        var passes = new List<(bool Asleep, bool KeepMargin, bool OnMeasured)> { (false, true, false) };
        if (allowWake)
        {
            passes.Add((true, true, false));
        }

        if (relievesOverload && _options.OffloadMargin > 0)
        {
            passes.Add((false, false, false));
        }

        if (relievesOverload && overloadedNow)
        {
            passes.Add((false, true, true));
            if (_options.OffloadMargin > 0)
            {
                passes.Add((false, false, true));
            }
        }

        foreach (var (asleep, keepMargin, onMeasured) in passes)
        {
            if (BestDestination(unit, source, asleep, keepMargin, onMeasured, refusals) is { } best)
            {
                return (best, string.Empty, onMeasured);
            }
        }

        var text = refusals.Count == 0 ? "no candidate host"
            : string.Join("; ", refusals.Values.Take(5)) + (refusals.Count > 5 ? $"; and {refusals.Count - 5} more" : string.Empty);
        return (null, text, false);
    }

    /// <summary>
    /// The fullest host of one kind (running or asleep) that the unit fits, by its projected load over the horizon or
    /// (<paramref name="onMeasured"/>) by its load measured now; each refusal recorded by host.
    /// </summary>
    private PlanningHost? BestDestination(PlanningUnit unit, PlanningHost source, bool asleep, bool keepMargin, bool onMeasured, Dictionary<string, string> refusals)
    {
        PlanningHost? best = null;
        var bestScore = double.NegativeInfinity;
        var candidates = asleep
            ? Hosts.Where(h => h.IsAsleep).OrderBy(h => h.Snapshot.WakeOrder).ThenBy(h => h.Id, StringComparer.Ordinal)
            : Hosts.Where(h => h.IsOn);
        double? wakeOrder = null;
        foreach (var host in candidates)
        {
            if (ReferenceEquals(host, source) || !host.CanReceive || (wakeOrder is { } w && host.Snapshot.WakeOrder > w))
            {
                continue;
            }

            if (onMeasured && host.Snapshot.Measured is null)
            {
                continue; // woken in this cycle: nothing measured to go by
            }

            if (host.Arrivals >= host.Settings.MaxMigrationsPerHostPerCycle)
            {
                refusals[host.Id] = $"{host.Id}: already receives {host.Arrivals} this cycle (its cap)";
                continue;
            }

            if (host.Snapshot.CoreCapacity is { } core && unit.PeakPerVcpuCores > core + Epsilon)
            {
                refusals[host.Id] = $"{host.Id}: a vCPU needs {F(unit.PeakPerVcpuCores)}, one core has {F(core)}";
                continue;
            }

            var memory = host.MemoryUsedMb + unit.MemoryMb;
            if (memory > host.Snapshot.MemoryMb + Epsilon)
            {
                refusals[host.Id] = string.Create(CultureInfo.InvariantCulture, $"{host.Id}: memory {memory:0} MB > {host.Snapshot.MemoryMb:0} MB");
                continue;
            }

            var peak = onMeasured ? host.NowWith(unit) : host.PeakWith(unit);

            // Kept, the margin leaves a destination the headroom an offload leaves its source: a VM that lands a host
            // right at its high threshold puts it above on the next rise.
            var high = host.Range.High;
            var limit = keepMargin ? Math.Max(host.Range.Low, high - _options.OffloadMargin) : high;
            if (peak > limit + Epsilon)
            {
                var what = onMeasured ? "load now" : "peak";
                refusals[host.Id] = limit < high ? $"{host.Id}: {what} {F(peak)} > {F(limit)} (high {F(high)} less the margin)" : $"{host.Id}: {what} {F(peak)} > {F(high)}";
                continue;
            }

            var score = Math.Max(peak / limit, host.Snapshot.MemoryMb <= 0 ? 1 : memory / host.Snapshot.MemoryMb);
            if (score > bestScore)
            {
                (best, bestScore) = (host, score);
                wakeOrder = asleep ? host.Snapshot.WakeOrder : null;
            }
        }

        return best;
    }

    /// <summary>
    /// When no host fits a unit that must leave an overloaded source: make room for it on a running host by moving one
    /// of that host's smaller units to a third host (an ejection chain of two moves), the smallest such unit first.
    /// Returns the planned move of that smaller unit (the host it leaves then fits the unit), or null when none does.
    /// </summary>
    private PlannedMove? MakeRoom(PlanningUnit unit, PlanningHost source)
    {
        if (_planned + 2 > _options.MaxMigrationsPerCycle)
        {
            return null;
        }

        var options = new List<(PlanningHost Host, PlanningUnit Evicted)>();
        // A host that received in this cycle gives nothing (a VM moves at most once a cycle).
        foreach (var host in Hosts.Where(h => h.IsOn && h.CanReceive && !h.Received && !ReferenceEquals(h, source)))
        {
            if (host.Arrivals >= host.Settings.MaxMigrationsPerHostPerCycle || host.Departures >= host.Settings.MaxMigrationsPerHostPerCycle ||
                (host.Snapshot.CoreCapacity is { } core && unit.PeakPerVcpuCores > core + Epsilon))
            {
                continue;
            }

            foreach (var evicted in host.Units.Where(v => v.PeakCores < unit.PeakCores && Blocked(host, v) is null))
            {
                var memory = host.MemoryUsedMb - evicted.MemoryMb + unit.MemoryMb;
                if (memory <= host.Snapshot.MemoryMb + Epsilon && host.PeakWith(unit, leaving: evicted) <= host.Range.High + Epsilon)
                {
                    options.Add((host, evicted));
                }
            }
        }

        foreach (var (host, evicted) in options.OrderBy(o => o.Evicted.PeakCores).ThenBy(o => o.Evicted.Cost.Total).ThenBy(o => o.Evicted.Id, StringComparer.Ordinal))
        {
            // The third host: running, not the source (which is above its threshold), kept under its high threshold.
            var excluded = source.Excluded;
            source.Excluded = true;
            var (third, _, _) = FindDestination(evicted, host, allowWake: false, relievesOverload: true);
            source.Excluded = excluded;
            if (third is not null)
            {
                host.Departures++;
                return Apply(evicted, host, third, MoveKind.MakeRoom,
                    $"Make room on {host.Id} for '{unit.Id}' from the overloaded {source.Id} (no host fits it as it is)");
            }
        }

        return null;
    }

    /// <summary>Lowest priority level first; in it, the cheapest unit that covers the need alone, otherwise the largest.</summary>
    private static PlanningUnit? Choose(List<PlanningUnit> candidates, double needCores)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var level = candidates.Min(u => u.Priority);
        var inLevel = candidates.Where(u => u.Priority == level).ToList();
        var covering = inLevel.Where(u => u.PeakCores >= needCores - Epsilon).ToList();
        return covering.Count > 0
            ? covering.OrderBy(u => u.Cost.Total).ThenBy(u => u.PeakCores).ThenBy(u => u.Id, StringComparer.Ordinal).First()
            : inLevel.OrderByDescending(u => u.PeakCores).ThenBy(u => u.Cost.Total).ThenBy(u => u.Id, StringComparer.Ordinal).First();
    }

    private (SkipRule Rule, string Reason)? Blocked(PlanningHost host, PlanningUnit unit) =>
        unit.Pinned is { } pinned ? (SkipRule.AutoMigrateOff, $"'{unit.Id}' may not move: {pinned}.")
        : unit.Busy ? (SkipRule.Busy, $"'{unit.Id}' is already migrating.")
        : Cooling(host, unit) is { } cooling ? (SkipRule.Cooldown, cooling)
        : null;

    private string? Cooling(PlanningHost host, PlanningUnit unit) =>
        unit.LastMovedAt is { } moved && Now - moved < host.Settings.VmCooldown
            ? string.Create(CultureInfo.InvariantCulture,
                $"'{unit.Id}' moved {(Now - moved).TotalMinutes:0} min ago; the cooldown is {host.Settings.VmCooldown.TotalMinutes:0} min.")
            : null;

    private string? HoldPending(PlanningHost host)
    {
        var hold = host.Settings.HoldDuration;
        var since = host.IndicationSince ?? Now;
        return hold > TimeSpan.Zero && Now - since < hold
            ? string.Create(CultureInfo.InvariantCulture,
                $"'{host.Id}' has shown {host.Indication} for {(Now - since).TotalMinutes:0} min; the hold is {hold.TotalMinutes:0} min.")
            : null;
    }

    /// <summary>No migration for an overload the host's forecast expects to end before the migration would (proactive hosts only).</summary>
    private string? CostBenefit(PlanningHost host, PlanningUnit unit, double high)
    {
        if (host.Mode != ControllerMode.Proactive || host.Snapshot.Forecast is not { } forecast)
        {
            return null;
        }

        var periods = 0;
        while (periods < forecast.Upper.Count &&
               (periods == 0 ? Math.Max(forecast.Upper[0], host.Snapshot.Measured ?? 0) : forecast.Upper[periods]) > high)
        {
            periods++;
        }

        var overload = _snapshot.PeriodLength * periods;
        return overload < unit.Cost.Total
            ? string.Create(CultureInfo.InvariantCulture,
                $"The overload of '{host.Id}' is expected to last {overload.TotalSeconds:0} s, shorter than moving '{unit.Id}' ({unit.Cost.Total.TotalSeconds:0} s).")
            : null;
    }

    private void Skip(PlanningHost host, PlanningUnit unit, SkipRule rule, string reason) => Skip(host, unit.VmIds, rule, reason);

    private void Skip(PlanningHost host, IReadOnlyList<string> vmIds, SkipRule rule, string reason) =>
        _skipped.Add(new SkippedCandidate(host.Id, vmIds, rule, reason));

    /// <summary>A host's skipped candidates in words: each reason, or, for many of one rule, the count and the first.</summary>
    private IEnumerable<string> SkipNotes(string hostId) =>
        _skipped.Where(s => s.HostId == hostId).GroupBy(s => s.Rule).SelectMany(g => g.Count() <= 3
            ? g.Select(s => $"Skipped ({s.Rule}): {s.Reason}")
            : [$"Skipped ({g.Key}): {g.Count()} candidates, for example: {g.First().Reason}"]);
}
