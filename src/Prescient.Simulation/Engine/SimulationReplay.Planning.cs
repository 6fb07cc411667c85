using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;
using PlannedMove = Prescient.Core.Planning.PlannedMove;

namespace Prescient.Simulation.Engine;

/// <summary>The replay's planning step: the fleet as the product's planner sees it, and the plan carried out.</summary>
internal sealed partial class SimulationReplay
{
    /// <summary>Whether forecasts reach the planner: not for a policy whose controller is set to reactive.</summary>
    private bool UsesForecasts => _policy.Settings.ControllerMode != ControllerModeSetting.Reactive && _policy.Settings.NetworkMode != NetworkMode.Disabled;

    /// <summary>A host's forecast from its VMs' networks: the current and the next period, as shares of its cores (null when a VM has none).</summary>
    private HostForecast? HostForecast(string hostId)
    {
        var cores = _fleet.Host(hostId).Spec.CpuCores;
        double current = 0, next = 0;
        foreach (var id in _fleet.Host(hostId).Vms)
        {
            var v = _vms[id];
            if (v.Current is not { } c)
            {
                return null;
            }

            current += c * v.Spec.Vcpus / cores;
            next += (v.Next ?? c) * v.Spec.Vcpus / cores;
        }

        return Core.Planning.HostForecast.FromMean([Math.Clamp(current, 0, 1), Math.Clamp(next, 0, 1)]);
    }

    private FleetSnapshot Snapshot(DateTimeOffset now, int stepsPerEval, IReadOnlyDictionary<string, double> measured)
    {
        var hosts = new List<HostSnapshot>();
        var vms = new List<VmSnapshot>();
        foreach (var h in _hosts.Values.OrderBy(h => h.Spec.Id, StringComparer.Ordinal))
        {
            var sim = _fleet.Host(h.Spec.Id);
            var on = sim.PowerState == PowerState.On;
            // Autostart counts one error per period: a second evaluation in the period re-submits it in place of the first.
            var state = h.ErrorRecorded && h.PendingError is not null && h.State.RecentErrors.Count > 0
                ? h.State with { RecentErrors = [.. h.State.RecentErrors.Take(h.State.RecentErrors.Count - 1)] }
                : h.State;
            hosts.Add(new HostSnapshot(h.Spec.Id, h.Spec.CpuCores, h.Spec.MemoryMb, sim.PowerState, _policy.Settings)
            {
                MeasuredLoad = on ? Math.Clamp(measured[h.Spec.Id], 0, 1) : null,
                Forecast = on && UsesForecasts ? HostForecast(h.Spec.Id) : null,
                PredictionError = h.PendingError,
                ControllerState = state,
                IndicationSince = h.IndicationSince,
                WakeOrder = h.Spec.Power.WattsAt(1) / h.Spec.CpuCores,
            });
            foreach (var id in sim.Vms)
            {
                var v = _vms[id];
                vms.Add(new VmSnapshot(id, h.Spec.Id, v.EvalDemandSum / stepsPerEval, v.Spec.MemoryMb, v.Spec.DirtyRateMBps)
                {
                    Vcpus = Math.Max(1, (int)Math.Ceiling(v.Spec.Vcpus)),
                    Settings = new VmSettings(v.Spec.AutoMigrate, v.Spec.GroupId, v.Spec.Priority),
                    ForecastCpuCores = UsesForecasts && v.Current is { } c ? [c * v.Spec.Vcpus, Math.Max(c, v.Next ?? c) * v.Spec.Vcpus] : null,
                    LastMovedAt = v.LastMoved,
                });
            }
        }

        var inFlight = _fleet.Migrations.Where(m => m.IsActive)
            .Select(m => new InFlightMove("sim-" + m.Number, [m.VmId], m.Source, m.Destination) { Evacuation = _hosts[m.Source].Evacuating })
            .ToList();
        return new FleetSnapshot(now, hosts, vms, inFlight) { PeriodLength = _o.PeriodLength };
    }

    /// <summary>Carries a plan out: controller states, wakes and migrations, evacuations and power-downs (inside the power-down window).</summary>
    private void Apply(CyclePlan plan, DateTimeOffset now, IReadOnlyDictionary<string, double> measured)
    {
        var outcomes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var outcome in plan.Hosts.Where(o => o.Decision is not null))
        {
            var h = _hosts[outcome.HostId];
            h.State = outcome.State!;
            h.IndicationSince = outcome.IndicationSince;
            h.ErrorRecorded = true;
            h.Mode = outcome.Decision!.ModeAfter == ControllerMode.Proactive ? "proactive" : "reactive";
            outcomes[outcome.HostId] = [];
        }

        foreach (var move in plan.Moves)
        {
            outcomes[move.SourceHostId].Add(Migrate(move, now, "offload"));
        }

        var window = InPowerDownWindow(now);
        foreach (var evacuation in plan.Evacuations)
        {
            if (!window)
            {
                outcomes[evacuation.HostId].Add($"not acted on: outside the power-down window {_o.PowerDownWindow!.Value.From:HH\\:mm}-{_o.PowerDownWindow.Value.Until:HH\\:mm}");
                continue;
            }

            _hosts[evacuation.HostId].Evacuating = true;
            outcomes[evacuation.HostId].AddRange(evacuation.Moves.Select(m => Migrate(m, now, "reduce-power")));
        }

        foreach (var hostId in plan.PowerDowns.Where(_ => window))
        {
            _fleet.PowerDown(hostId);
            _hosts[hostId].Mode = "off";
            outcomes[hostId].Add("powered down: no VM left");
        }

        foreach (var outcome in plan.Hosts.Where(o => o.Decision is { Indication: not Indication.None }))
        {
            var d = outcome.Decision!;
            var done = outcomes[outcome.HostId];
            var text = done.Count > 0 ? string.Join(", ", done) : string.Join(" ", outcome.Notes);
            var indication = d.Indication == Indication.Offload ? "offload" : "reduce-power";
            var mode = _hosts[outcome.HostId].Mode;
            var last = _decisions.LastOrDefault(r => r.HostId == outcome.HostId);
            if (last is null || last.Outcome != text || last.Indication != indication || last.Mode != mode)
            {
                // Repeats of the same request with the same outcome are not listed again.
                _decisions.Add(new DecisionRecord(now, outcome.HostId, mode, indication, measured[outcome.HostId], d.PredictedUpper ?? d.Predicted, d.Reason, text));
            }
        }
    }

    private string Migrate(PlannedMove move, DateTimeOffset now, string why)
    {
        var woke = false;
        if (move.WakesDestination && _fleet.Host(move.DestinationHostId).PowerState == PowerState.Reduced)
        {
            _fleet.Wake(move.DestinationHostId);
            woke = true;
        }

        foreach (var vmId in move.VmIds)
        {
            _fleet.Migrate(vmId, move.DestinationHostId, $"{why} ({_hosts[move.SourceHostId].Mode})");
            _vms[vmId].LastMoved = now;
        }

        return (woke ? $"woke {move.DestinationHostId}, " : string.Empty) + $"{move.UnitId} -> {move.DestinationHostId}";
    }

    private bool InPowerDownWindow(DateTimeOffset now) =>
        _o.PowerDownWindow is not { } w || InWindow(TimeOnly.FromDateTime(now.UtcDateTime), w.From, w.Until);

    private static bool InWindow(TimeOnly t, TimeOnly from, TimeOnly until) =>
        from <= until ? t >= from && t <= until : t >= from || t <= until;
}
