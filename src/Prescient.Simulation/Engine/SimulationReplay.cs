using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>One replay of a <see cref="SimulationSetup"/> under one policy (see <see cref="SimulationEngine"/>).</summary>
internal sealed partial class SimulationReplay
{
    private readonly SimulationEngine _engine;
    private readonly SimulationSetup _setup;
    private readonly PolicyDefinition _policy;
    private readonly IProgress<double>? _progress;
    private readonly EngineOptions _o;
    private readonly SimulatedFleet _fleet;
    private readonly Dictionary<string, ReplayHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplayVm> _vms = new(StringComparer.Ordinal);
    private readonly List<DecisionRecord> _decisions = [];
    private readonly Dictionary<string, string> _originalHost;
    private readonly PlannerOptions _planner;

    public SimulationReplay(SimulationEngine engine, SimulationSetup setup, PolicyDefinition policy, IReadOnlyDictionary<string, IVmForecaster> forecasters, IProgress<double>? progress)
    {
        _engine = engine;
        _setup = setup;
        _policy = policy;
        _progress = progress;
        _o = setup.Options;
        _fleet = new SimulatedFleet(setup.Hosts, setup.Placement, setup.Migration, engine.DayStart);
        policy.Settings.EnsureValid();
        foreach (var h in setup.Hosts)
        {
            _hosts[h.Id] = new ReplayHost(h) { Mode = policy.Migrates ? "reactive" : "none" };
        }

        foreach (var (vm, _) in setup.Placement)
        {
            if (!forecasters.TryGetValue(vm.Id, out var f))
            {
                throw new ArgumentException($"No forecaster for VM '{vm.Id}'.", nameof(forecasters));
            }

            _vms[vm.Id] = new ReplayVm(vm, f.Clone()) { LastActual = engine.VmPeriodMean(vm, engine.DayStart - _o.PeriodLength) };
        }

        _originalHost = setup.Placement.ToDictionary(p => p.Vm.Id, p => p.HostId, StringComparer.Ordinal);
        _planner = new PlannerOptions
        {
            OffloadMargin = _o.OffloadHeadroom,
            MaxMigrationsPerCycle = policy.Settings.MaxMigrationsPerCycle,
            MigrationCost = setup.Migration,
        };
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

                foreach (var (id, u) in _fleet.Advance(_o.Step))
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
            var prevDate = DateOnly.FromDateTime((start - _o.PeriodLength).UtcDateTime);
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

    /// <summary>Closes a period: its prediction error (measured vs predicted period means) feeds autostart once per period.</summary>
    private void FinishPeriodErrors()
    {
        foreach (var h in _hosts.Values)
        {
            double? error = h.PeriodSamples > 0 && h.PeriodPredictedCount > 0
                ? Math.Abs((h.PeriodSum / h.PeriodSamples) - (h.PeriodPredictedSum / h.PeriodPredictedCount))
                : null;
            if (error is { } e)
            {
                h.Errors.Add(e);
            }

            h.PendingError = error is { } x ? Math.Clamp(x, 0, 1) : null;
            h.ErrorRecorded = false;
            h.PeriodSum = 0;
            h.PeriodSamples = 0;
            h.PeriodPredictedSum = 0;
            h.PeriodPredictedCount = 0;
        }
    }

    private void Evaluate(DateTimeOffset now, int stepsPerEval, IReadOnlyDictionary<string, double> demand)
    {
        var measured = _hosts.ToDictionary(kv => kv.Key, kv => kv.Value.EvalSum / stepsPerEval, StringComparer.Ordinal);
        if (_policy.Migrates)
        {
            var plan = FleetPlanner.Plan(Snapshot(now, stepsPerEval, measured), _planner);
            Apply(plan, now, measured);
        }

        var (low, high) = (_policy.Settings.ReactiveRange.Low, _policy.Settings.ReactiveRange.High);
        foreach (var h in _hosts.Values.OrderBy(h => h.Spec.Id, StringComparer.Ordinal))
        {
            var sim = _fleet.Host(h.Spec.Id);
            var current = HostForecast(h.Spec.Id)?.Mean[0];
            if (sim.PowerState == PowerState.On && sim.Vms.Count > 0 && current is { } c)
            {
                h.PeriodPredictedSum += c;
                h.PeriodPredictedCount++;
            }

            if (h.Evacuating && sim.PowerState == PowerState.On && sim.Vms.Count == 0 && !_fleet.HasActiveMigrations(h.Spec.Id))
            {
                // The evacuation's last step: the empty host goes to reduced power.
                _fleet.PowerDown(h.Spec.Id);
                h.Evacuating = false;
            }

            h.Points.Add(new HostPoint(
                now,
                measured[h.Spec.Id],
                demand[h.Spec.Id],
                sim.PowerState == PowerState.On && sim.Vms.Count > 0 ? current : null,
                high,
                low,
                sim.PowerState == PowerState.On ? h.Mode : "off",
                sim.PowerState.ToString().ToLowerInvariant()));
        }
    }

    private PolicyResult Summarise(TimeSpan wall)
    {
        var minutesPerPoint = _o.EvaluationInterval.TotalMinutes;
        var high = _policy.Settings.ReactiveRange.High;
        var timelines = new List<HostTimeline>();
        foreach (var h in _hosts.Values.OrderBy(h => h.Spec.Id == _setup.FocusHostId ? 0 : 1).ThenBy(h => h.Spec.Id, StringComparer.Ordinal))
        {
            var sim = _fleet.Host(h.Spec.Id);
            timelines.Add(new HostTimeline(
                h.Spec.Id,
                h.Points,
                h.Points.Max(p => p.Measured),
                h.Points.Count(p => p.Measured > high + 1e-9) * minutesPerPoint,
                sim.TimeReduced.TotalHours,
                h.Errors.Count > 0 ? h.Errors.Average() : null,
                sim.EnergyJoules / 3.6e6));
        }

        _ = wall;
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

    private sealed class ReplayHost(HostSpec spec)
    {
        public HostSpec Spec { get; } = spec;

        public ControllerState State { get; set; } = ControllerState.Initial;

        public DateTimeOffset? IndicationSince { get; set; }

        public List<HostPoint> Points { get; } = [];

        public double EvalSum { get; set; }

        public double PeriodSum { get; set; }

        public int PeriodSamples { get; set; }

        public double PeriodPredictedSum { get; set; }

        public int PeriodPredictedCount { get; set; }

        public List<double> Errors { get; } = [];

        /// <summary>The error of the period just ended; autostart counts it once although the host is evaluated several times a period.</summary>
        public double? PendingError { get; set; }

        public bool ErrorRecorded { get; set; }

        public bool Evacuating { get; set; }

        public string Mode { get; set; } = "reactive";
    }

    private sealed class ReplayVm(VmSpec spec, IVmForecaster forecaster)
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
}
