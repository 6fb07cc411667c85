using Prescient.Core.Migration;
using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Network;
using Prescient.Core.Selection;
using Prescient.Core.Settings;

namespace Prescient.Simulation.Consolidation;

/// <summary>Where a Prescient policy's predictions come from.</summary>
public enum PrescientForecastSource
{
    /// <summary>No prediction: the patent's reactive controller.</summary>
    None,

    /// <summary>The patent's per-host network (3-20-1), trained online on the host's measured workload.</summary>
    HostNetwork,

    /// <summary>One network per VM, trained online on the VM's own utilisation; a host's forecast is the sum over its VMs (DESIGN section 5).</summary>
    VmNetworks,

    /// <summary>The limit: each VM's actual peak demand over the next <see cref="PrescientPolicyOptions.OracleLookaheadSteps"/> steps, summed per host.</summary>
    Oracle,
}

/// <summary>A Prescient policy's settings (reported with its results).</summary>
public sealed record PrescientPolicyOptions
{
    public required string Name { get; init; }

    public PrescientForecastSource Forecast { get; init; } = PrescientForecastSource.None;

    /// <summary>
    /// Controller settings. The benchmark's period is the harness's 5-minute step. Ranges: offload above 0.8 (as
    /// THR-0.8), reduce power below 0.4 (two such hosts fit in one under 0.8); failsafe 0.05..0.95.
    /// </summary>
    public HostSettings Settings { get; init; } = HostSettings.Default with
    {
        ReactiveRange = new WorkloadRange(0.4, 0.8),
        ProactiveRange = new WorkloadRange(0.4, 0.8),
        FailsafeRange = new WorkloadRange(0.05, 0.95),
        ControllerMode = ControllerModeSetting.Reactive,
        VmCooldown = TimeSpan.FromHours(1),
    };

    public NetworkOptions Network { get; init; } = NetworkOptions.Default with { Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };

    /// <summary>Steps of future demand the oracle knows.</summary>
    public int OracleLookaheadSteps { get; init; } = 6;

    /// <summary>Sleeping hosts offered as wake-up candidates per cycle (most efficient type first).</summary>
    public int WakeCandidates { get; init; } = 40;

    /// <summary>
    /// Fleet-fit reduce power, an extension of the patent's reduce-power indication. After the offload and
    /// reduce-power steps of a cycle, when the running hosts' peak load (the higher of measured and forecast, as
    /// destination selection sees it) would fit under their high thresholds on one host fewer, the least loaded
    /// running host (by the load its controller compares: forecast when proactive, measured when reactive) that was
    /// not already being emptied, did not receive VMs this cycle and holds no VM still in its cooldown is emptied too,
    /// all VMs or none, onto running hosts whose peak stays at or below their high threshold (the same destination
    /// rule as reduce power and offload). At most one such host per cycle. Off: only hosts below the low threshold
    /// are emptied.
    /// </summary>
    public bool FleetFitReducePower { get; init; }

    /// <summary>
    /// When a VM must wake a sleeping host, offer only sleeping hosts of the most efficient type (G5: least power per
    /// MIPS) first, and the others only when none of those fits. Off: every sleeping candidate is offered at once and
    /// the destination selector's best fit picks the one left fullest, which on a small fleet is the smaller, less
    /// efficient G4 (on an 800-host fleet the first <see cref="WakeCandidates"/> sleeping candidates are all G5 anyway).
    /// </summary>
    public bool WakeEfficientFirst { get; init; }

    /// <summary>The name of <see cref="FleetFitReducePower"/> in <see cref="WithExtensions"/> (and the CLI).</summary>
    public const string FleetFitReducePowerName = "fleet-fit-reduce-power";

    /// <summary>The name of <see cref="WakeEfficientFirst"/> in <see cref="WithExtensions"/> (and the CLI).</summary>
    public const string WakeEfficientFirstName = "wake-efficient-first";

    /// <summary>These options with the named extensions switched on (names: <see cref="FleetFitReducePowerName"/>, <see cref="WakeEfficientFirstName"/>; case-insensitive).</summary>
    /// <exception cref="ArgumentException">A name is unknown.</exception>
    public PrescientPolicyOptions WithExtensions(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var options = this;
        foreach (var name in names)
        {
            options = name.Trim().ToUpperInvariant() switch
            {
                "FLEET-FIT-REDUCE-POWER" => options with { FleetFitReducePower = true },
                "WAKE-EFFICIENT-FIRST" => options with { WakeEfficientFirst = true },
                _ => throw new ArgumentException($"Unknown Prescient extension '{name}' (known: {FleetFitReducePowerName}, {WakeEfficientFirstName})."),
            };
        }

        return options;
    }

    public string Describe()
    {
        var s = Settings;
        var inv = CultureInfo.InvariantCulture;
        var mode = Forecast == PrescientForecastSource.None ? "reactive" : $"{s.ControllerMode} (autostart threshold {s.AutostartAccuracyThreshold.ToString(inv)} over {s.AutostartWindow} periods, failsafe {s.FailsafeRange})";
        var forecast = Forecast switch
        {
            PrescientForecastSource.HostNetwork => $"per-host 3-20-1 network, {Network.Optimizer}, lr {Network.LearningRate.ToString(inv)}, online training from an untrained start",
            PrescientForecastSource.VmNetworks => $"per-VM 3-20-1 networks summed per host, {Network.Optimizer}, lr {Network.LearningRate.ToString(inv)}, online training from an untrained start",
            PrescientForecastSource.Oracle => $"oracle: each VM's actual peak demand over the next {OracleLookaheadSteps} steps ({OracleLookaheadSteps * 5} min), summed per host",
            _ => "none",
        };
        return $"controller {mode}; range {(Forecast == PrescientForecastSource.None ? s.ReactiveRange : s.ProactiveRange)}; forecast: {forecast}; " +
               $"offload: Core VmSelector (fewest VMs, cheapest) to the range's high; destinations: Core DestinationSelector (best fit with peak of measured and predicted <= high, wake a sleeping host only if none fits{(WakeEfficientFirst ? ", G5 hosts before G4 hosts" : string.Empty)}); " +
               $"reduce power: evacuate all-or-nothing to running hosts only; " +
               (FleetFitReducePower
                   ? "fleet-fit reduce power: also, when the running hosts' peak load (max of measured and forecast) fits under the high threshold on one host fewer, empty the least loaded running host not cooling and not receiving, all-or-nothing to running hosts whose peak stays <= high, one per cycle; "
                   : "fleet-fit reduce power off (only hosts below the low threshold are emptied); ") +
               $"VM cooldown {s.VmCooldown.TotalMinutes.ToString(inv)} min; period = 5-min step";
    }
}

/// <summary>
/// Prescient's method in the consolidation harness: per host, the patent's controller (Core) turns the measured and
/// predicted workload into offload / reduce-power indications; Core's selectors choose which VMs move and where.
/// Same initial placement, same inputs (the current step's demand) and the same simulator as the baselines.
/// </summary>
public sealed class PrescientPolicy(PrescientPolicyOptions options) : IConsolidationPolicy
{
    private static readonly DayCategorizer Categories = DayCategorizer.None;
    private static readonly MigrationCostModel CostModel = new(BandwidthMbps: 62.5);

    private FleetState _fleet = null!;
    private ControllerState[] _state = [];
    private WorkloadPredictor?[] _hostNets = [];
    private WorkloadPredictor?[] _vmNets = [];
    private double[] _hostLast = [];
    private double[] _hostPredForNow = [];
    private double[] _vmPredNext = [];
    private double[] _vmPredForNow = [];
    private int[] _lastMoved = [];
    private double[] _meas = [];
    private double[] _pred = [];
    private bool[] _hasPred = [];
    private string[] _hostIds = [];
    private string[] _vmIds = [];
    private DateOnly _date;
    private readonly VmSelector _selector = new(CostModel);

    public string Name => options.Name;

    public string Settings => options.Describe();

    public void PlaceInitially(FleetState fleet, IPlacementSink sink)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        _fleet = fleet;
        var h = fleet.HostCount;
        var v = fleet.VmCount;
        _state = new ControllerState[h];
        Array.Fill(_state, ControllerState.Initial);
        _hostNets = new WorkloadPredictor?[h];
        _vmNets = new WorkloadPredictor?[v];
        _hostLast = new double[h];
        _hostPredForNow = new double[h];
        Array.Fill(_hostPredForNow, double.NaN);
        _vmPredNext = new double[v];
        _vmPredForNow = new double[v];
        Array.Fill(_vmPredForNow, double.NaN);
        _lastMoved = new int[v];
        Array.Fill(_lastMoved, int.MinValue / 2);
        _meas = new double[h];
        _pred = new double[h];
        _indication = new Indication[h];
        _woken = new bool[h];
        _proactive = new bool[h];
        _hasPred = new bool[h];
        _hostIds = [.. Enumerable.Range(0, h).Select(i => i.ToString("D3", CultureInfo.InvariantCulture))];
        _vmIds = [.. Enumerable.Range(0, v).Select(i => "vm" + i.ToString(CultureInfo.InvariantCulture))];
        _date = fleet.Day.Date ?? new DateOnly(2011, 3, 3);
        var predictorOptions = new PredictorOptions { Network = options.Network, AccuracyWindow = options.Settings.AutostartWindow, TrainingDeadlinePeriods = int.MaxValue };
        if (options.Forecast == PrescientForecastSource.HostNetwork)
        {
            for (var i = 0; i < h; i++)
            {
                _hostNets[i] = new WorkloadPredictor(predictorOptions with { Network = options.Network with { Seed = (ulong)(i + 1) } }, Categories, fleet.Day.Steps);
            }
        }
        else if (options.Forecast == PrescientForecastSource.VmNetworks)
        {
            for (var i = 0; i < v; i++)
            {
                _vmNets[i] = new WorkloadPredictor(predictorOptions with { Network = options.Network with { Seed = (ulong)(i + 1) } }, Categories, fleet.Day.Steps);
            }
        }

        PowerAwarePolicy.PlaceInitially(fleet, sink, 1.0);
    }

    public void Decide(FleetState fleet, List<MigrationOrder> plan)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(plan);
        var k = fleet.Step;
        var n = fleet.HostCount;
        var settings = options.Settings;
        var cooldownSteps = (int)Math.Ceiling(settings.VmCooldown.TotalSeconds / fleet.Setup.StepSeconds);
        var nextPeriod = Math.Min(k + 1, fleet.Day.Steps - 1);

        // 1. Learn from this step, forecast the next.
        if (options.Forecast == PrescientForecastSource.VmNetworks)
        {
            for (var v = 0; v < fleet.VmCount; v++)
            {
                var u = fleet.Util(v, k);
                var net = _vmNets[v]!;
                if (k > 0)
                {
                    net.Observe(new PeriodObservation(_date, k, fleet.Util(v, k - 1), u));
                }

                _vmPredForNow[v] = _vmPredNext[v];
                _vmPredNext[v] = net.Predict(_date, nextPeriod, u) ?? u;
            }
        }

        else if (options.Forecast == PrescientForecastSource.Oracle)
        {
            var last = Math.Min(fleet.Day.Steps - 1, k + options.OracleLookaheadSteps);
            for (var v = 0; v < fleet.VmCount; v++)
            {
                var row = fleet.Day.Util[v];
                var peak = row[k];
                for (var j = k + 1; j <= last; j++)
                {
                    peak = Math.Max(peak, row[j]);
                }

                _vmPredForNow[v] = row[k];
                _vmPredNext[v] = peak;
            }
        }

        for (var h = 0; h < n; h++)
        {
            var vms = fleet.HostVms[h];
            var cap = fleet.HostCapacity[h];
            _meas[h] = Math.Min(1, fleet.HostRequestedMips[h] / cap);
            _hasPred[h] = false;
            _pred[h] = _meas[h];
            if (vms.Count == 0)
            {
                continue;
            }

            double? predicted = null, error = null;
            if (options.Forecast == PrescientForecastSource.HostNetwork)
            {
                var net = _hostNets[h]!;
                if (k > 0)
                {
                    net.Observe(new PeriodObservation(_date, k, _hostLast[h], _meas[h]));
                }

                if (!double.IsNaN(_hostPredForNow[h]))
                {
                    error = Math.Abs(_meas[h] - _hostPredForNow[h]);
                }

                predicted = net.Predict(_date, nextPeriod, _meas[h]);
                _hostPredForNow[h] = predicted ?? double.NaN;
            }
            else if ((options.Forecast == PrescientForecastSource.VmNetworks && k > 0) || options.Forecast == PrescientForecastSource.Oracle)
            {
                double now = 0, next = 0;
                for (var i = 0; i < vms.Count; i++)
                {
                    var v = vms[i];
                    now += _vmPredForNow[v] * fleet.VmMips[v];
                    next += _vmPredNext[v] * fleet.VmMips[v];
                }

                error = Math.Min(1, Math.Abs(_meas[h] - Math.Min(1, now / cap)));
                predicted = Math.Clamp(next / cap, 0, 1);
            }

            _hostLast[h] = _meas[h];
            if (predicted is { } p)
            {
                _pred[h] = Math.Clamp(p, 0, 1);
                _hasPred[h] = true;
            }

            var (decision, state) = HostController.Evaluate(_state[h], new ControllerInput(_meas[h], predicted, error), settings);
            _state[h] = state;
            _indication[h] = fleet.HostUtilisation(h) > 0 ? decision.Indication : Indication.None;
            _proactive[h] = decision.ModeAfter == ControllerMode.Proactive;
        }

        Array.Clear(_woken);
        var received = new bool[n];
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var offload = new List<int>();
        var reduce = new List<int>();
        for (var h = 0; h < n; h++)
        {
            if (fleet.HostVms[h].Count == 0)
            {
                continue;
            }

            if (_indication[h] == Indication.Offload)
            {
                offload.Add(h);
                excluded.Add(_hostIds[h]);
            }
            else if (_indication[h] == Indication.ReducePower)
            {
                reduce.Add(h);
            }
        }

        // 2. Offload: fewest VMs bringing the host's compared load under its high threshold, best-fit destinations.
        offload.Sort((a, b) => Load(b).CompareTo(Load(a)));
        if (offload.Count > 0)
        {
            foreach (var h in offload)
            {
                var high = (_proactive[h] ? settings.ProactiveRange : settings.ReactiveRange).High;
                var infos = VmInfos(h, k, cooldownSteps, allowCooling: false);
                var selection = _selector.Offload(infos, Load(h), high);
                if (!selection.Sufficient)
                {
                    selection = _selector.Offload(VmInfos(h, k, cooldownSteps, allowCooling: true), Load(h), high);
                }

                foreach (var unit in selection.Units)
                {
                    // A VM whose demand may exceed one core of a G4 host (1860 MIPS) can only go to a G5 host.
                    var unitExcluded = excluded;
                    if (NeedsBigCore(unit, k))
                    {
                        unitExcluded = new HashSet<string>(excluded, StringComparer.Ordinal);
                        for (var x = 0; x < n; x++)
                        {
                            if (fleet.HostPeMips[x] < 2000)
                            {
                                unitExcluded.Add(_hostIds[x]);
                            }
                        }
                    }

                    var placement = new DestinationSelector(Views(includeSleeping: true, efficientSleepersOnly: options.WakeEfficientFirst), unitExcluded).Place(unit, _hostIds[h]);
                    if (!placement.Placed && options.WakeEfficientFirst)
                    {
                        placement = new DestinationSelector(Views(includeSleeping: true), unitExcluded).Place(unit, _hostIds[h]);
                    }
                    if (!placement.Placed)
                    {
                        continue;
                    }

                    var dst = int.Parse(placement.DestinationHostId!, CultureInfo.InvariantCulture);
                    foreach (var vm in unit.Vms)
                    {
                        var v = int.Parse(vm.VmId.AsSpan(2), CultureInfo.InvariantCulture);
                        Move(v, h, dst, k, plan);
                    }

                    received[dst] = true;
                    _woken[dst] = true;
                }
            }
        }

        // 3. Reduce power: empty the least loaded hosts first, all VMs or none, onto running hosts only.
        reduce.Sort((a, b) => Load(a).CompareTo(Load(b)));
        var evacuated = new HashSet<string>(excluded, StringComparer.Ordinal);
        var emptied = new bool[n];
        foreach (var h in reduce)
        {
            if (received[h])
            {
                continue;
            }

            evacuated.Add(_hostIds[h]);
            emptied[h] = TryEvacuate(h, k, cooldownSteps, evacuated, received, plan);
        }

        // 4. Fleet-fit reduce power (an extension of the reduce-power indication, off by default): when the running
        //    hosts' peak load would fit under the high threshold on one host fewer, empty the least loaded running
        //    host that the steps above left alone, under the same all-or-nothing rule.
        if (options.FleetFitReducePower)
        {
            FleetFitReducePower(k, cooldownSteps, evacuated, received, emptied, plan);
        }
    }

    private void FleetFitReducePower(int k, int cooldownSteps, HashSet<string> evacuated, bool[] received, bool[] emptied, List<MigrationOrder> plan)
    {
        var fleet = _fleet;
        double load = 0, capacity = 0;
        var candidate = -1;
        for (var h = 0; h < fleet.HostCount; h++)
        {
            var running = (fleet.HostVms[h].Count > 0 || _woken[h]) && !emptied[h];
            if (!running)
            {
                continue;
            }

            var cap = fleet.HostCapacity[h];
            load += Peak(h) * cap;
            capacity += High(h) * cap;
            if (fleet.HostVms[h].Count == 0 || received[h] || evacuated.Contains(_hostIds[h]) || Cooling(h, k, cooldownSteps))
            {
                continue;
            }

            if (candidate < 0 || Load(h) < Load(candidate))
            {
                candidate = h;
            }
        }

        // Necessary (not sufficient) for the evacuation: the fleet carries its load on one host fewer; the
        // destination selector then checks each destination's own peak against its high threshold.
        if (candidate < 0 || load > capacity - (High(candidate) * fleet.HostCapacity[candidate]))
        {
            return;
        }

        evacuated.Add(_hostIds[candidate]);
        TryEvacuate(candidate, k, cooldownSteps, evacuated, received, plan);
    }

    /// <summary>Moves all of host <paramref name="h"/>'s VMs onto running hosts not in <paramref name="evacuated"/>, or none.</summary>
    private bool TryEvacuate(int h, int k, int cooldownSteps, HashSet<string> evacuated, bool[] received, List<MigrationOrder> plan)
    {
        if (Cooling(h, k, cooldownSteps))
        {
            return false;
        }

        var selection = _selector.Evacuate(VmInfos(h, k, cooldownSteps, allowCooling: true));
        if (selection.Unmovable.Count > 0)
        {
            return false;
        }

        var destinations = new DestinationSelector(Views(includeSleeping: false), evacuated);
        var placements = new List<(int Vm, int Dst)>();
        foreach (var unit in selection.Units)
        {
            var placement = destinations.Place(unit, _hostIds[h]);
            if (!placement.Placed)
            {
                return false;
            }

            var dst = int.Parse(placement.DestinationHostId!, CultureInfo.InvariantCulture);
            if (_fleet.HostPeMips[dst] < 2000 && NeedsBigCore(unit, k))
            {
                return false;
            }

            foreach (var vm in unit.Vms)
            {
                placements.Add((int.Parse(vm.VmId.AsSpan(2), CultureInfo.InvariantCulture), dst));
            }
        }

        foreach (var (v, dst) in placements)
        {
            Move(v, h, dst, k, plan);
            received[dst] = true;
        }

        return true;
    }

    private bool Cooling(int h, int k, int cooldownSteps)
    {
        var vms = _fleet.HostVms[h];
        for (var i = 0; i < vms.Count; i++)
        {
            if (k - _lastMoved[vms[i]] < cooldownSteps)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What destination selection compares with the high threshold: the higher of measured and forecast load.</summary>
    private double Peak(int h) => Math.Max(Math.Clamp(_meas[h], 0, 1), _hasPred[h] ? Math.Clamp(_pred[h], 0, 1) : 0);

    private double High(int h) => (_proactive[h] ? options.Settings.ProactiveRange : options.Settings.ReactiveRange).High;

    private Indication[] _indication = [];
    private bool[] _woken = [];

    private bool NeedsBigCore(MigrationUnit unit, int k)
    {
        foreach (var vm in unit.Vms)
        {
            var v = int.Parse(vm.VmId.AsSpan(2), CultureInfo.InvariantCulture);
            var u = Math.Max(_fleet.Util(v, k), options.Forecast == PrescientForecastSource.None ? 0 : _vmPredNext[v]);
            // Without a forecast, keep 10 % headroom on the current demand.
            var demand = (options.Forecast == PrescientForecastSource.None || options.Forecast == PrescientForecastSource.HostNetwork ? Math.Min(1, u * 1.1) : u) * _fleet.VmMips[v];
            if (demand > 1860)
            {
                return true;
            }
        }

        return false;
    }
    private bool[] _proactive = [];

    private double Load(int h) => _proactive[h] ? Math.Max(_pred[h], 0) : _meas[h];

    private void Move(int v, int from, int to, int k, List<MigrationOrder> plan)
    {
        var fleet = _fleet;
        var u = fleet.Util(v, k) * fleet.VmMips[v];
        var p = (options.Forecast is PrescientForecastSource.VmNetworks or PrescientForecastSource.Oracle ? _vmPredNext[v] : fleet.Util(v, k)) * fleet.VmMips[v];
        _meas[from] -= u / fleet.HostCapacity[from];
        _meas[to] += u / fleet.HostCapacity[to];
        _pred[from] -= p / fleet.HostCapacity[from];
        _pred[to] += p / fleet.HostCapacity[to];
        if (_hasPred[from] || _hasPred[to])
        {
            _hasPred[to] = true;
        }

        _lastMoved[v] = k;
        plan.Add(new MigrationOrder(v, to));
    }

    private List<VmInfo> VmInfos(int h, int k, int cooldownSteps, bool allowCooling)
    {
        var fleet = _fleet;
        var vms = fleet.HostVms[h];
        var list = new List<VmInfo>(vms.Count);
        var cap = fleet.HostCapacity[h];
        foreach (var v in vms)
        {
            var u = fleet.Util(v, k);
            var share = options.Forecast is PrescientForecastSource.VmNetworks or PrescientForecastSource.Oracle ? Math.Max(u, _vmPredNext[v]) : u;
            var auto = allowCooling || k - _lastMoved[v] >= cooldownSteps;
            list.Add(new VmInfo(_vmIds[v], null, 0, auto, Math.Clamp(share * fleet.VmMips[v] / cap, 0, 1), fleet.VmRam[v], 0));
        }

        return list;
    }

    private List<HostView> Views(bool includeSleeping, bool efficientSleepersOnly = false)
    {
        var fleet = _fleet;
        var views = new List<HostView>(128);
        var sleeping = 0;
        // Running hosts, then (most efficient per MIPS first: G5) sleeping ones as wake-up candidates.
        for (var pass = 0; pass < 3; pass++)
        {
            for (var h = 0; h < fleet.HostCount; h++)
            {
                var running = fleet.HostVms[h].Count > 0 || _woken[h];
                if (pass == 0 && !running)
                {
                    continue;
                }

                if (pass > 0)
                {
                    if (running || !includeSleeping || sleeping >= options.WakeCandidates || fleet.HostType[h] != (pass == 1 ? 1 : 0) || (efficientSleepersOnly && pass == 2))
                    {
                        continue;
                    }

                    sleeping++;
                }

                var range = _proactive.Length > h && _proactive[h] ? options.Settings.ProactiveRange : options.Settings.ReactiveRange;
                IReadOnlyList<double> next = _hasPred[h] ? [Math.Clamp(_pred[h], 0, 1)] : [];
                views.Add(new HostView(_hostIds[h], fleet.HostCapacity[h], 1e12, 0, Math.Clamp(_meas[h], 0, 1), next,
                    running ? PowerState.On : PowerState.Reduced, range));
            }
        }

        return views;
    }

    /// <summary>
    /// The limit in this harness: Prescient's selection and placement driven by the actual future (each VM's peak over
    /// the next 30 minutes), packing hosts to 98 % of that peak (forecasts are clamped to 100 %, so the high threshold must sit below it) and emptying hosts below half load; proactive always.
    /// </summary>
    public static Func<IConsolidationPolicy> Oracle { get; } = () => new PrescientPolicy(new PrescientPolicyOptions
    {
        Name = "oracle",
        Forecast = PrescientForecastSource.Oracle,
        Settings = new PrescientPolicyOptions { Name = "x" }.Settings with
        {
            ControllerMode = ControllerModeSetting.Proactive,
            ProactiveRange = new WorkloadRange(0.5, 0.98),
            ReactiveRange = new WorkloadRange(0.5, 0.98),
            FailsafeRange = new WorkloadRange(0.0, 1.0),
            VmCooldown = TimeSpan.Zero,
        },
    });

    /// <summary>The three Prescient policies with their default settings.</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> Standard { get; } = StandardWith(o => o);

    /// <summary>The three Prescient policies, each with its default options passed through <paramref name="configure"/> (for example <see cref="PrescientPolicyOptions.WithExtensions"/>).</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> StandardWith(Func<PrescientPolicyOptions, PrescientPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return
        [
            () => new PrescientPolicy(configure(new PrescientPolicyOptions { Name = "prescient-reactive" })),
            () => new PrescientPolicy(configure(new PrescientPolicyOptions
            {
                Name = "prescient-proactive-host",
                Forecast = PrescientForecastSource.HostNetwork,
                Settings = new PrescientPolicyOptions { Name = "x" }.Settings with { ControllerMode = ControllerModeSetting.Autostart },
            })),
            () => new PrescientPolicy(configure(new PrescientPolicyOptions
            {
                Name = "prescient-proactive-vm",
                Forecast = PrescientForecastSource.VmNetworks,
                Settings = new PrescientPolicyOptions { Name = "x" }.Settings with { ControllerMode = ControllerModeSetting.Autostart },
            })),
        ];
    }
}
