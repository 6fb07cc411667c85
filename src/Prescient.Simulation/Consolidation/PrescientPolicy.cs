using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Network;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Simulation.Consolidation;

/// <summary>
/// Prescient in the consolidation harness: a thin adapter over the product's planner. At every step it turns the
/// harness's fleet into a <see cref="FleetSnapshot"/> (hosts with their MIPS, per-core MIPS, memory and power, VMs
/// with their demand, memory, forecasts and last moves, each host's controller state), calls
/// <see cref="FleetPlanner.Plan"/> (the code that moves an operator's VMs) and hands its moves back as orders. What
/// differs from the product is only where the forecasts come from (<see cref="PrescientForecastSource"/>) and the
/// settings it runs with (reported with the results).
/// </summary>
public sealed class PrescientPolicy(PrescientPolicyOptions options) : IConsolidationPolicy
{
    private static readonly DayCategorizer Categories = DayCategorizer.None;
    private static readonly DateTimeOffset Epoch = new(2011, 3, 3, 0, 0, 0, TimeSpan.Zero);

    private FleetState _fleet = null!;
    private ControllerState[] _state = [];
    private DateTimeOffset?[] _indicationSince = [];
    private WorkloadPredictor?[] _hostNets = [];
    private WorkloadPredictor?[] _vmNets = [];
    private Prescient.Forecasting.Online.OnlineForecaster?[] _hostForecasters = [];
    private double[] _hostLast = [];
    private double[] _hostPredForNow = [];
    private double[] _vmPredNext = [];
    private DateTimeOffset?[] _lastMoved = [];
    private string[] _hostIds = [];
    private string[] _vmIds = [];
    private Dictionary<string, int> _hostIndex = [];
    private Dictionary<string, int> _vmIndex = [];
    private DateOnly _date;
    private FutureDemand? _future;

    public string Name => options.Name;

    public string Settings => options.Describe();

    /// <summary>CloudSim's receiver evacuation (<see cref="ConsolidationSetup.EvacuateReceivers"/>) is the planner's <see cref="PlannerOptions.MayEvacuateReceivers"/>.</summary>
    public PolicySwitches Honours => PolicySwitches.EvacuateReceivers;

    /// <summary>The oracle's view of the future (<see cref="PrescientOracle"/>); other Prescient policies get none.</summary>
    internal void Foresee(FutureDemand future) => _future = future;

    /// <summary>The plan of the last step (for tests and diagnostics).</summary>
    public CyclePlan? LastPlan { get; private set; }

    public void PlaceInitially(FleetState fleet, IPlacementSink sink)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        _fleet = fleet;
        var h = fleet.HostCount;
        var v = fleet.VmCount;
        _state = new ControllerState[h];
        Array.Fill(_state, ControllerState.Initial);
        _indicationSince = new DateTimeOffset?[h];
        _hostNets = new WorkloadPredictor?[h];
        _vmNets = new WorkloadPredictor?[v];
        _hostLast = new double[h];
        _hostPredForNow = new double[h];
        Array.Fill(_hostPredForNow, double.NaN);
        _vmPredNext = new double[v];
        _lastMoved = new DateTimeOffset?[v];
        _hostIds = [.. Enumerable.Range(0, h).Select(i => i.ToString("D3", CultureInfo.InvariantCulture))];
        _vmIds = [.. Enumerable.Range(0, v).Select(i => "vm" + i.ToString(CultureInfo.InvariantCulture))];
        _hostIndex = _hostIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        _vmIndex = _vmIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        _date = fleet.Date ?? DateOnly.FromDateTime(Epoch.UtcDateTime);
        var predictorOptions = new PredictorOptions { Network = options.Network, AccuracyWindow = options.Settings.AutostartWindow, TrainingDeadlinePeriods = int.MaxValue };
        if (options.Forecast == PrescientForecastSource.HostNetwork)
        {
            for (var i = 0; i < h; i++)
            {
                _hostNets[i] = new WorkloadPredictor(predictorOptions with { Network = options.Network with { Seed = (ulong)(i + 1) } }, Categories, fleet.Steps);
            }
        }
        else if (options.Forecast == PrescientForecastSource.HostForecaster)
        {
            _hostForecasters = new Prescient.Forecasting.Online.OnlineForecaster?[h];
            for (var i = 0; i < h; i++)
            {
                _hostForecasters[i] = new Prescient.Forecasting.Online.OnlineForecaster(fleet.Day.Steps, Categories, new Prescient.Forecasting.Online.OnlineForecasterOptions { Horizon = 3 }, (ulong)(i + 1));
            }
        }
        else if (options.Forecast == PrescientForecastSource.VmNetworks)
        {
            for (var i = 0; i < v; i++)
            {
                _vmNets[i] = new WorkloadPredictor(predictorOptions with { Network = options.Network with { Seed = (ulong)(i + 1) } }, Categories, fleet.Steps);
            }
        }

        PowerAwarePolicy.PlaceInitially(fleet, sink, 1.0);
    }

    public void Decide(FleetState fleet, List<MigrationOrder> plan)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(plan);
        var now = Epoch + TimeSpan.FromSeconds(fleet.Step * fleet.Setup.StepSeconds);
        LearnVms(fleet.Step);
        var planner = options.Planner with
        {
            MaxMigrationsPerCycle = options.Settings.MaxMigrationsPerCycle,
            MayEvacuateReceivers = options.Planner.MayEvacuateReceivers || fleet.Setup.EvacuateReceivers,
        };
        var cycle = FleetPlanner.Plan(Snapshot(now), planner);
        LastPlan = cycle;
        foreach (var outcome in cycle.Hosts.Where(o => o.State is not null))
        {
            var h = _hostIndex[outcome.HostId];
            _state[h] = outcome.State!;
            _indicationSince[h] = outcome.IndicationSince;
        }

        foreach (var move in cycle.AllMoves)
        {
            foreach (var vmId in move.VmIds)
            {
                var v = _vmIndex[vmId];
                _lastMoved[v] = now;
                plan.Add(new MigrationOrder(v, _hostIndex[move.DestinationHostId]));
            }
        }
    }

    /// <summary>Per-VM networks learn the step just measured and forecast the next; the oracle reads the future.</summary>
    private void LearnVms(int k)
    {
        if (options.Forecast != PrescientForecastSource.VmNetworks)
        {
            return;
        }

        var next = Math.Min(k + 1, _fleet.Steps - 1);
        for (var v = 0; v < _fleet.VmCount; v++)
        {
            var u = _fleet.Util(v, k);
            var net = _vmNets[v]!;
            if (k > 0)
            {
                net.Observe(new PeriodObservation(_date, k, _fleet.Util(v, k - 1), u));
            }

            _vmPredNext[v] = net.Predict(_date, next, u) ?? u;
        }
    }

    /// <summary>
    /// The host memory the planner sees: the hosts' RAM when the harness enforces memory for every policy; otherwise,
    /// like the baselines in that mode, memory does not bind.
    /// </summary>
    private double MemoryMb => _fleet.Setup.EnforceMemory ? _fleet.Setup.HostRamMb : 1e12;

    private FleetSnapshot Snapshot(DateTimeOffset now)
    {
        var fleet = _fleet;
        var k = fleet.Step;
        var hosts = new List<HostSnapshot>(fleet.HostCount);
        var vms = new List<VmSnapshot>(fleet.VmCount);
        for (var h = 0; h < fleet.HostCount; h++)
        {
            var running = fleet.HostVms[h].Count > 0;
            var capacity = fleet.HostCapacity[h];
            var measured = Math.Min(1, fleet.HostRequestedMips[h] / capacity);
            var (forecast, error) = running ? HostForecast(h, k, measured) : (null, null);
            hosts.Add(new HostSnapshot(_hostIds[h], capacity, MemoryMb, running ? PowerState.On : PowerState.Reduced, options.Settings)
            {
                MeasuredLoad = running ? measured : null,
                Forecast = forecast,
                PredictionError = error,
                ControllerState = _state[h],
                IndicationSince = _indicationSince[h],
                CoreCapacity = fleet.HostPeMips[h],
                WakeOrder = options.WakeEfficientFirst ? fleet.HostPower[h].WattsAt(1) / capacity : 0,
            });
            foreach (var v in fleet.HostVms[h])
            {
                vms.Add(new VmSnapshot(_vmIds[v], _hostIds[h], fleet.Util(v, k) * fleet.VmMips[v], fleet.VmRam[v], 0)
                {
                    ForecastCpuCores = VmForecast(v, k),
                    LastMovedAt = _lastMoved[v],
                });
            }
        }

        return new FleetSnapshot(now, hosts, vms, []) { PeriodLength = TimeSpan.FromSeconds(fleet.Setup.StepSeconds) };
    }

    /// <summary>A VM's own forecast in MIPS per coming step: the higher of now and its network's next step, or the oracle's future.</summary>
    private double[]? VmForecast(int v, int k)
    {
        var mips = _fleet.VmMips[v];
        switch (options.Forecast)
        {
            case PrescientForecastSource.VmNetworks:
                return [Math.Max(_fleet.Util(v, k), Math.Clamp(_vmPredNext[v], 0, 1)) * mips];
            case PrescientForecastSource.Oracle:
                var future = new double[options.OracleLookaheadSteps];
                for (var a = 1; a <= future.Length; a++)
                {
                    future[a - 1] = _future!.Util(v, a) * mips;
                }

                return future;
            default:
                return null;
        }
    }

    /// <summary>The host's forecast for the coming steps and the error of its forecast for this step.</summary>
    private (HostForecast? Forecast, double? Error) HostForecast(int h, int k, double measured)
    {
        switch (options.Forecast)
        {
            case PrescientForecastSource.HostNetwork:
            {
                var net = _hostNets[h]!;
                if (k > 0)
                {
                    net.Observe(new PeriodObservation(_date, k, _hostLast[h], measured));
                }

                double? error = double.IsNaN(_hostPredForNow[h]) ? null : Math.Abs(measured - _hostPredForNow[h]);
                var predicted = net.Predict(_date, Math.Min(k + 1, _fleet.Steps - 1), measured);
                _hostLast[h] = measured;
                _hostPredForNow[h] = predicted ?? double.NaN;
                return (predicted is { } p ? Core.Planning.HostForecast.FromMean([Math.Clamp(p, 0, 1)]) : null, error);
            }

            case PrescientForecastSource.HostForecaster:
            {
                var forecaster = _hostForecasters[h]!;
                forecaster.Observe(new PeriodKey(_date, Math.Min(k, _fleet.Day.Steps - 1)), measured);
                double? error = double.IsNaN(_hostPredForNow[h]) ? null : Math.Abs(measured - _hostPredForNow[h]);
                var outcome = forecaster.Forecast();
                _hostPredForNow[h] = outcome?.Forecast.Mean[0] ?? double.NaN;
                return (outcome?.Forecast, error);
            }

            case PrescientForecastSource.VmNetworks or PrescientForecastSource.Oracle:
            {
                var capacity = _fleet.HostCapacity[h];
                var vms = _fleet.HostVms[h];
                var horizon = VmForecast(vms[0], k)!.Length;
                var sums = new double[horizon];
                foreach (var v in vms)
                {
                    var f = VmForecast(v, k)!;
                    for (var i = 0; i < horizon; i++)
                    {
                        sums[i] += f[Math.Min(i, f.Length - 1)];
                    }
                }

                double? error = double.IsNaN(_hostPredForNow[h]) ? null : Math.Min(1, Math.Abs(measured - _hostPredForNow[h]));
                var mean = sums.Select(s => Math.Clamp(s / capacity, 0, 1)).ToArray();
                _hostPredForNow[h] = mean[0];
                return (Core.Planning.HostForecast.FromMean(mean), error);
            }

            default:
                return (null, null);
        }
    }

    /// <summary>
    /// The limit in this harness: the Prescient policy's own settings (ranges, cooldown, margin, planner) with perfect
    /// forecasts (each VM's actual demand over the next 30 minutes), proactive from the start.
    /// </summary>
    public static Func<IConsolidationPolicy> Oracle { get; } = OracleWith(o => o);

    /// <summary>The oracle, with its options passed through <paramref name="configure"/> (the same extensions as the policies it bounds).</summary>
    public static Func<IConsolidationPolicy> OracleWith(Func<PrescientPolicyOptions, PrescientPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return () =>
        {
            // prescient-proactive-vm's options, proactive from the start, with perfect per-VM forecasts.
            var o = configure(new PrescientPolicyOptions { Name = "oracle", Forecast = PrescientForecastSource.Oracle });
            return new PrescientOracle(new PrescientPolicy(o with { Settings = o.Settings with { ControllerMode = ControllerModeSetting.Proactive } }), o.OracleLookaheadSteps);
        };
    }

    /// <summary>The three Prescient policies with their default settings.</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> Standard { get; } = StandardWith(o => o);

    /// <summary>The three Prescient policies, each with its default options passed through <paramref name="configure"/> (for example <see cref="PrescientPolicyOptions.WithExtensions"/>).</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> StandardWith(Func<PrescientPolicyOptions, PrescientPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var autostart = new PrescientPolicyOptions { Name = "x" }.Settings with { ControllerMode = ControllerModeSetting.Autostart };
        return
        [
            () => new PrescientPolicy(configure(new PrescientPolicyOptions { Name = "prescient-reactive" })),
            () => new PrescientPolicy(configure(new PrescientPolicyOptions { Name = "prescient-proactive-host", Forecast = PrescientForecastSource.HostNetwork, Settings = autostart })),
            () => new PrescientPolicy(configure(new PrescientPolicyOptions { Name = "prescient-proactive-vm", Forecast = PrescientForecastSource.VmNetworks, Settings = autostart })),
            () => new PrescientPolicy(configure(new PrescientPolicyOptions { Name = "prescient-proactive-forecast", Forecast = PrescientForecastSource.HostForecaster, Settings = autostart })),
        ];
    }
}
