using Prescient.Core.Migration;
using Prescient.Core.Controller;
using Prescient.Core.Selection;
using Prescient.Core.Settings;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>
/// Replays one day of a <see cref="SimulationSetup"/> under one policy in simulated time: every period the VMs'
/// forecasters learn the period that ended and predict the new one; every evaluation interval each host's controller
/// compares measured or predicted workload with its range and the engine acts on offload and reduce-power
/// indications through the fleet model (migrations with their costs, power-down, wake-up).
/// </summary>
public sealed class SimulationEngine
{
    private readonly SimulationSetup _setup;
    private readonly EngineOptions _o;

    public SimulationEngine(SimulationSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Options.Validate();
        if (!setup.Hosts.Any(h => h.Id == setup.FocusHostId))
        {
            throw new ArgumentException($"The focus host '{setup.FocusHostId}' is not in the fleet.", nameof(setup));
        }

        _setup = setup;
        _o = setup.Options;
    }

    public DateTimeOffset DayStart => new(_setup.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public int PeriodsPerDay => (int)(TimeSpan.FromDays(1) / _o.PeriodLength);

    /// <summary>Mean utilisation of the VM's vCPUs over one period.</summary>
    public double VmPeriodMean(VmSpec vm, DateTimeOffset periodStart)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var samples = (int)(_o.PeriodLength / _o.Step);
        var sum = 0.0;
        for (var i = 0; i < samples; i++)
        {
            sum += vm.DemandCores.ValueAt(periodStart + (_o.Step * i));
        }

        return Math.Clamp(sum / samples / vm.Vcpus, 0, 1);
    }

    /// <summary>The per-period history of a VM over the given days, for bulk training.</summary>
    public IReadOnlyList<VmPeriod> History(VmSpec vm, IEnumerable<DateOnly> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var list = new List<VmPeriod>();
        foreach (var day in days.Order())
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var previous = VmPeriodMean(vm, start - _o.PeriodLength);
            for (var p = 0; p < PeriodsPerDay; p++)
            {
                var actual = VmPeriodMean(vm, start + (_o.PeriodLength * p));
                list.Add(new VmPeriod(day, p, previous, actual));
                previous = actual;
            }
        }

        return list;
    }

    public PolicyResult Run(PolicyDefinition policy, IReadOnlyDictionary<string, IVmForecaster> forecasters, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(forecasters);
        return new Replay(this, _setup, policy, forecasters, progress).Execute();
    }

    private sealed class HostState(HostSpec spec, IHostControl control)
    {
        public HostSpec Spec { get; } = spec;

        public IHostControl Control { get; } = control;

        public List<HostPoint> Points { get; } = [];

        public double EvalSum { get; set; }

        public double PeriodSum { get; set; }

        public int PeriodSamples { get; set; }

        public double PeriodPredictedSum { get; set; }

        public int PeriodPredictedCount { get; set; }

        public List<double> Errors { get; } = [];

        public bool Evacuating { get; set; }

        public HostIndication Indication { get; set; }

        public DateTimeOffset? IndicationSince { get; set; }

        public string Mode { get; set; } = control.Mode;
    }

    private sealed class VmState(VmSpec spec, IVmForecaster forecaster)
    {
        public VmSpec Spec { get; } = spec;

        public IVmForecaster Forecaster { get; } = forecaster;

        public double PeriodSum { get; set; }

        public int PeriodSamples { get; set; }

        public double LastActual { get; set; }

        public double EvalDemandSum { get; set; }

        public double? Current { get; set; }

        public double? Next { get; set; }

        public DateTimeOffset? LastMoved { get; set; }
    }

    private sealed class Replay
    {
        private readonly SimulationEngine _engine;
        private readonly SimulationSetup _setup;
        private readonly PolicyDefinition _policy;
        private readonly IProgress<double>? _progress;
        private readonly EngineOptions _o;
        private readonly SimulatedFleet _fleet;
        private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, VmState> _vms = new(StringComparer.Ordinal);
        private readonly List<DecisionRecord> _decisions = [];
        private readonly Dictionary<string, string> _originalHost;
        private readonly Prescient.Core.Selection.MigrationCostModel _costModel;

        public Replay(SimulationEngine engine, SimulationSetup setup, PolicyDefinition policy, IReadOnlyDictionary<string, IVmForecaster> forecasters, IProgress<double>? progress)
        {
            _engine = engine;
            _setup = setup;
            _policy = policy;
            _progress = progress;
            _o = setup.Options;
            _fleet = new SimulatedFleet(setup.Hosts, setup.Placement, setup.Migration, engine.DayStart);
            foreach (var h in setup.Hosts)
            {
                _hosts[h.Id] = new HostState(h, policy.ControlFor(h));
            }

            foreach (var (vm, _) in setup.Placement)
            {
                if (!forecasters.TryGetValue(vm.Id, out var f))
                {
                    throw new ArgumentException($"No forecaster for VM '{vm.Id}'.", nameof(forecasters));
                }

                _vms[vm.Id] = new VmState(vm, f.Clone()) { LastActual = engine.VmPeriodMean(vm, engine.DayStart - _o.PeriodLength) };
            }

            _costModel = new Prescient.Core.Selection.MigrationCostModel(setup.Migration.BandwidthMBps, setup.Migration.StopCopyThresholdMb, setup.Migration.MaxPreCopyRounds);
            _originalHost = setup.Placement.ToDictionary(p => p.Vm.Id, p => p.HostId, StringComparer.Ordinal);
        }

        public PolicyResult Execute()
        {
            var started = DateTimeOffset.UtcNow;
            var stepsPerEval = (int)(_o.EvaluationInterval / _o.Step);
            var evalsPerPeriod = (int)(_o.PeriodLength / _o.EvaluationInterval);
            var evals = (int)(TimeSpan.FromDays(_setup.Days) / _o.EvaluationInterval);
            var dayStart = _engine.DayStart;
            for (var e = 0; e < evals; e++)
            {
                var t0 = dayStart + (_o.EvaluationInterval * e);
                if (e % evalsPerPeriod == 0)
                {
                    StartPeriod(t0, e / evalsPerPeriod % _engine.PeriodsPerDay, first: e == 0);
                }

                foreach (var h in _hosts.Values)
                {
                    h.EvalSum = 0;
                }

                foreach (var v in _vms.Values)
                {
                    v.EvalDemandSum = 0;
                }

                var demandSums = _hosts.Keys.ToDictionary(k => k, _ => 0.0, StringComparer.Ordinal);
                for (var s = 0; s < stepsPerEval; s++)
                {
                    foreach (var v in _vms.Values)
                    {
                        var d = v.Spec.DemandCores.ValueAt(_fleet.Now);
                        v.PeriodSum += Math.Clamp(d / v.Spec.Vcpus, 0, 1);
                        v.PeriodSamples++;
                        v.EvalDemandSum += d;
                        demandSums[_originalHost[v.Spec.Id]] += d;
                    }

                    var utils = _fleet.Advance(_o.Step);
                    foreach (var (id, u) in utils)
                    {
                        var h = _hosts[id];
                        h.EvalSum += u;
                        if (_fleet.Host(id).PowerState == PowerState.On)
                        {
                            h.PeriodSum += u;
                            h.PeriodSamples++;
                        }
                    }
                }

                var demand = demandSums.ToDictionary(kv => kv.Key, kv => Math.Min(1, kv.Value / stepsPerEval / _fleet.Host(kv.Key).Spec.CpuCores), StringComparer.Ordinal);
                Evaluate(_fleet.Now, stepsPerEval, demand);
                _progress?.Report((e + 1.0) / evals);
            }

            FinishPeriodErrors();
            return Summarise(DateTimeOffset.UtcNow - started);
        }

        private void StartPeriod(DateTimeOffset start, int period, bool first)
        {
            var date = DateOnly.FromDateTime(start.UtcDateTime);
            if (!first)
            {
                var prevStart = start - _o.PeriodLength;
                var prevDate = DateOnly.FromDateTime(prevStart.UtcDateTime);
                var prevPeriod = (period + _engine.PeriodsPerDay - 1) % _engine.PeriodsPerDay;
                foreach (var v in _vms.Values)
                {
                    var actual = v.PeriodSamples > 0 ? v.PeriodSum / v.PeriodSamples : v.LastActual;
                    v.Forecaster.Observe(new VmPeriod(prevDate, prevPeriod, v.LastActual, actual));
                    v.LastActual = actual;
                }

                FinishPeriodErrors();
            }

            foreach (var v in _vms.Values)
            {
                v.PeriodSum = 0;
                v.PeriodSamples = 0;
                v.Current = v.Forecaster.Predict(date, period, v.LastActual);
                var nextStart = start + _o.PeriodLength;
                var nextPeriod = (period + 1) % _engine.PeriodsPerDay;
                v.Next = v.Forecaster.Predict(DateOnly.FromDateTime(nextStart.UtcDateTime), nextPeriod, Math.Clamp(v.Current ?? v.LastActual, 0, 1));
            }
        }

        private void FinishPeriodErrors()
        {
            foreach (var h in _hosts.Values)
            {
                if (h.PeriodSamples > 0 && h.PeriodPredictedCount > 0)
                {
                    var error = Math.Abs((h.PeriodSum / h.PeriodSamples) - (h.PeriodPredictedSum / h.PeriodPredictedCount));
                    h.Errors.Add(error);
                    h.Control.RecordPeriodError(error);
                }
                else
                {
                    h.Control.RecordPeriodError(null);
                }

                h.PeriodSum = 0;
                h.PeriodSamples = 0;
                h.PeriodPredictedSum = 0;
                h.PeriodPredictedCount = 0;
            }
        }

        private (double? Current, double? LookAhead) HostForecast(string hostId)
        {
            var cores = _fleet.Host(hostId).Spec.CpuCores;
            double current = 0, look = 0;
            var any = false;
            foreach (var id in _fleet.Host(hostId).Vms)
            {
                var v = _vms[id];
                if (v.Current is not { } c)
                {
                    return (null, null);
                }

                any = true;
                current += c * v.Spec.Vcpus / cores;
                look += Math.Max(c, v.Next ?? c) * v.Spec.Vcpus / cores;
            }

            return any ? (current, look) : (0, 0);
        }

        private void Evaluate(DateTimeOffset now, int stepsPerEval, IReadOnlyDictionary<string, double> demand)
        {
            var measured = _hosts.ToDictionary(kv => kv.Key, kv => kv.Value.EvalSum / stepsPerEval, StringComparer.Ordinal);
            foreach (var h in _hosts.Values.OrderBy(h => h.Spec.Id, StringComparer.Ordinal))
            {
                var sim = _fleet.Host(h.Spec.Id);
                var (current, look) = HostForecast(h.Spec.Id);
                var (low, high) = h.Control.ReactiveRange;
                if (sim.PowerState == PowerState.On && sim.Vms.Count > 0)
                {
                    var output = h.Control.Evaluate(new ControlInput(now, measured[h.Spec.Id], look));
                    h.Mode = output.Mode;
                    if (h.Evacuating && output.Indication != HostIndication.ReducePower)
                    {
                        // An evacuation once started runs to the end (the migrations' own load must not cancel it).
                        output = output with { Indication = HostIndication.ReducePower, Reason = "Evacuation in progress: the remaining VMs leave before the host powers down." };
                    }

                    if (output.Indication != h.Indication)
                    {
                        h.Indication = output.Indication;
                        h.IndicationSince = now;
                    }
                    if (_policy.Migrates && output.Indication != HostIndication.None)
                    {
                        var outcome = Act(h, output, now, measured);
                        var last = _decisions.LastOrDefault(d => d.HostId == h.Spec.Id);
                        if (last is null || last.Outcome != outcome || last.Indication != Label(output.Indication) || last.Mode != output.Mode)
                        {
                            // Repeats of the same request with the same outcome are not listed again.
                            _decisions.Add(new DecisionRecord(now, h.Spec.Id, output.Mode, Label(output.Indication), measured[h.Spec.Id], look, output.Reason, outcome));
                        }
                    }

                    if (current is { } c)
                    {
                        h.PeriodPredictedSum += c;
                        h.PeriodPredictedCount++;
                    }
                }

                var empty = sim.PowerState == PowerState.On && sim.Vms.Count == 0 && !_fleet.HasActiveMigrations(h.Spec.Id);
                if (empty && (h.Evacuating || (_policy.Migrates && InPowerDownWindow(now))))
                {
                    // An evacuated host, or a powered host left with nothing to run, goes to reduced power.
                    _fleet.PowerDown(h.Spec.Id);
                    h.Evacuating = false;
                    h.Mode = "off";
                }
                else if (sim.PowerState == PowerState.On && h.Mode == "off")
                {
                    h.Mode = h.Control.Mode; // woken: it restarts in the mode it was in
                }

                var point = new HostPoint(
                    now,
                    measured[h.Spec.Id],
                    demand[h.Spec.Id],
                    sim.PowerState == PowerState.On && sim.Vms.Count > 0 ? current : null,
                    high,
                    low,
                    sim.PowerState == PowerState.On ? h.Mode : "off",
                    sim.PowerState.ToString().ToLowerInvariant());
                h.Points.Add(point);
            }
        }

        private string Act(HostState h, ControlOutput output, DateTimeOffset now, IReadOnlyDictionary<string, double> measured)
        {
            var id = h.Spec.Id;
            var cores = h.Spec.CpuCores;
            var settings = h.Control.Settings;
            if (_fleet.Migrations.Any(m => m.IsActive && m.Source == id))
            {
                return "waiting: migrations from this host are still running";
            }

            var reducePower = output.Indication == HostIndication.ReducePower;
            if (reducePower && !InPowerDownWindow(now) && _o.PowerDownWindow is { } w)
            {
                return $"not acted on: outside the power-down window {w.From:HH\\:mm}-{w.Until:HH\\:mm}";
            }

            var proactive = output.Mode == "proactive";
            var stepsPerEval = _o.EvaluationInterval / _o.Step;
            double VmShare(VmSpec vm)
            {
                var v = _vms[vm.Id];
                var share = proactive && v.Current is { } c
                    ? Math.Max(c, v.Next ?? c) * vm.Vcpus / cores
                    : v.EvalDemandSum / stepsPerEval / cores;
                return Math.Clamp(share, 0, 1);
            }

            var vms = _fleet.Host(id).Vms.Select(_fleet.Vm).ToList();
            var infos = vms.Select(vm => new VmInfo(vm.Id, vm.GroupId, vm.Priority, vm.AutoMigrate, VmShare(vm), vm.MemoryMb, vm.DirtyRateMBps)).ToList();
            var selector = new VmSelector(_costModel);
            VmSelection selection;
            if (reducePower)
            {
                selection = selector.Evacuate(infos);
                if (!selection.Sufficient)
                {
                    return "cannot evacuate: " + selection.Reason;
                }
            }
            else
            {
                var load = proactive ? HostForecast(id).LookAhead ?? measured[id] : measured[id];
                selection = selector.Offload(infos, Math.Clamp(load, 0, 1), output.High - _o.OffloadHeadroom);
                if (selection.Units.Count == 0)
                {
                    return "nothing to move: " + selection.Reason;
                }
            }

            // Destinations: Core's best-fit selector over every other host that is not being evacuated; each host's
            // range is narrowed by the headroom, and VMs already on their way in count as load.
            var views = _hosts.Values.Select(d => View(d, measured)).ToList();
            var destinations = new DestinationSelector(views, _hosts.Values.Where(d => d.Evacuating || d.Spec.Id == id).Select(d => d.Spec.Id));
            var indication = reducePower ? Indication.ReducePower : Indication.Offload;
            var plan = new List<PlannedMigration>();
            var unplaced = new List<string>();
            foreach (var unit in selection.Units)
            {
                var placement = destinations.Place(unit, id);
                if (placement.Placed)
                {
                    plan.Add(PlannedMigration.From(placement, indication));
                }
                else
                {
                    unplaced.Add(placement.Reason);
                }
            }

            if (plan.Count == 0 || (reducePower && unplaced.Count > 0))
            {
                return "no destination fits: " + string.Join(" ", unplaced);
            }

            var context = new GuardContext(
                now,
                _vms.Values.Where(v => v.LastMoved is not null).ToDictionary(v => v.Spec.Id, v => v.LastMoved!.Value, StringComparer.Ordinal),
                new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal) { [id] = h.IndicationSince ?? now },
                proactive && !reducePower ? new Dictionary<string, TimeSpan>(StringComparer.Ordinal) { [id] = ExpectedOverload(id, output.High) } : new Dictionary<string, TimeSpan>(StringComparer.Ordinal));
            var guarded = MigrationGuard.Filter(plan, context, settings);
            if (guarded.Approved.Count == 0)
            {
                return "stopped by the guard: " + string.Join(" ", guarded.Rejected.Select(r => r.Reason));
            }

            var done = new List<string>();
            foreach (var move in guarded.Approved)
            {
                if (_fleet.Host(move.DestinationHostId).PowerState == PowerState.Reduced)
                {
                    _fleet.Wake(move.DestinationHostId);
                    done.Add($"woke {move.DestinationHostId}");
                }

                foreach (var vm in move.Unit.Vms)
                {
                    _fleet.Migrate(vm.VmId, move.DestinationHostId, $"{Label(output.Indication)} ({output.Mode})");
                    _vms[vm.VmId].LastMoved = now;
                }

                done.Add($"{move.Unit.Id} -> {move.DestinationHostId}");
            }

            if (reducePower)
            {
                h.Evacuating = true;
            }

            var held = guarded.Rejected.Count > 0 ? $" ({guarded.Rejected.Count} held back: {guarded.Rejected[0].Rule})" : "";
            return "migrating " + string.Join(", ", done) + held;
        }

        private TimeSpan ExpectedOverload(string hostId, double high)
        {
            var current = 0.0;
            var next = 0.0;
            var cores = _fleet.Host(hostId).Spec.CpuCores;
            foreach (var vmId in _fleet.Host(hostId).Vms)
            {
                var v = _vms[vmId];
                current += (v.Current ?? 0) * v.Spec.Vcpus / cores;
                next += (v.Next ?? v.Current ?? 0) * v.Spec.Vcpus / cores;
            }

            // The overload the look-ahead saw: the forecast periods (current, next) above the high threshold.
            return _o.PeriodLength * ((current > high ? 1 : 0) + (next > high ? 1 : 0));
        }

        private HostView View(HostState d, IReadOnlyDictionary<string, double> measured)
        {
            var sim = _fleet.Host(d.Spec.Id);
            var look = HostForecast(d.Spec.Id).LookAhead ?? 0;
            var arriving = _fleet.Migrations.Where(m => m.IsActive && m.Destination == d.Spec.Id)
                .Sum(m => _vms[m.VmId].Spec.DemandCores.ValueAt(_fleet.Now)) / d.Spec.CpuCores;
            var range = d.Control.Settings.ReactiveRange;
            var state = sim.PowerState == PowerState.Reduced ? PowerState.Reduced : PowerState.On;
            return new HostView(
                d.Spec.Id,
                d.Spec.CpuCores,
                d.Spec.MemoryMb,
                Math.Min(d.Spec.MemoryMb, _fleet.MemoryUsedMb(d.Spec.Id)),
                Math.Clamp(measured[d.Spec.Id] + arriving, 0, 1),
                [Math.Clamp(look + arriving, 0, 1)],
                state,
                new WorkloadRange(range.Low, Math.Max(range.Low + 0.01, range.High - _o.OffloadHeadroom)));
        }

        private bool InPowerDownWindow(DateTimeOffset now) =>
            _o.PowerDownWindow is not { } w || InWindow(TimeOnly.FromDateTime(now.UtcDateTime), w.From, w.Until);

        private static bool InWindow(TimeOnly t, TimeOnly from, TimeOnly until) =>
            from <= until ? t >= from && t <= until : t >= from || t <= until;

        private static string Label(HostIndication i) => i switch
        {
            HostIndication.Offload => "offload",
            HostIndication.ReducePower => "reduce-power",
            _ => "none",
        };

        private PolicyResult Summarise(TimeSpan wall)
        {
            var minutesPerPoint = _o.EvaluationInterval.TotalMinutes;
            var timelines = new List<HostTimeline>();
            foreach (var h in _hosts.Values.OrderBy(h => h.Spec.Id == _setup.FocusHostId ? 0 : 1).ThenBy(h => h.Spec.Id, StringComparer.Ordinal))
            {
                var sim = _fleet.Host(h.Spec.Id);
                var high = h.Control.ReactiveRange.High;
                timelines.Add(new HostTimeline(
                    h.Spec.Id,
                    h.Points,
                    h.Points.Max(p => p.Measured),
                    h.Points.Count(p => p.Measured > high + 1e-9) * minutesPerPoint,
                    sim.TimeReduced.TotalHours,
                    h.Errors.Count > 0 ? h.Errors.Average() : null,
                    sim.EnergyJoules / 3.6e6));
            }

            var allErrors = _hosts.Values.SelectMany(h => h.Errors).ToList();
            var migrations = _fleet.Migrations.Select(m => new MigrationRecord(
                m.VmId, m.Source, m.Destination, m.Requested, m.Started, m.Finished, m.Status.ToString().ToLowerInvariant(),
                m.Estimate.Rounds.Count, m.Estimate.SentMb, m.Estimate.Downtime, m.Reason)).ToList();
            return new PolicyResult(
                _policy.Name,
                _policy.Description,
                timelines.Max(t => t.PeakMeasured),
                timelines.Sum(t => t.MinutesAboveHigh),
                migrations.Count,
                timelines.Sum(t => t.HoursPoweredDown),
                allErrors.Count > 0 ? allErrors.Average() : double.NaN,
                timelines.Sum(t => t.EnergyKWh),
                _fleet.DemandCoreSeconds > 0 ? 100 * _fleet.DegradedCoreSeconds / _fleet.DemandCoreSeconds : 0,
                _fleet.Hosts.Sum(x => x.TimeSaturated.TotalMinutes),
                timelines,
                migrations,
                _decisions);
        }
    }
}
