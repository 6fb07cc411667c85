using System.Globalization;
using Prescient.Core.Network;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Simulation.Consolidation;

/// <summary>Where a Prescient policy's forecasts come from.</summary>
public enum PrescientForecastSource
{
    /// <summary>No forecast: the patent's reactive controller.</summary>
    None,

    /// <summary>The patent's per-host network (3-20-1), trained online on the host's measured workload.</summary>
    HostNetwork,

    /// <summary>One network per VM, trained online on the VM's own utilisation; a host's forecast is the sum over its VMs (DESIGN section 5).</summary>
    VmNetworks,

    /// <summary>The limit: each VM's actual demand over the next <see cref="PrescientPolicyOptions.OracleLookaheadSteps"/> steps.</summary>
    Oracle,

    /// <summary>
    /// The product's forecasting per host (<c>Prescient.Forecasting.Online.OnlineForecaster</c>): last value, seasonal
    /// naive and the patent's network learning online, conformal upper bands and per-step selection, as the retrain
    /// function keeps them; mean and upper quantile for the next steps.
    /// </summary>
    HostForecaster,
}

/// <summary>A Prescient policy's settings in the consolidation benchmark (reported with its results).</summary>
public sealed record PrescientPolicyOptions
{
    /// <summary>The name of <see cref="PlannerOptions.ConsolidateWhenFleetFits"/> in <see cref="WithExtensions"/> (and the CLI).</summary>
    public const string FleetFitReducePowerName = "fleet-fit-reduce-power";

    /// <summary>The name of <see cref="WakeEfficientFirst"/> in <see cref="WithExtensions"/> (and the CLI).</summary>
    public const string WakeEfficientFirstName = "wake-efficient-first";

    public required string Name { get; init; }

    public PrescientForecastSource Forecast { get; init; } = PrescientForecastSource.None;

    /// <summary>
    /// Every host's settings (the product's controller and planner knobs). The benchmark's period is the harness's
    /// 5-minute step. Ranges: offload above 0.8 (as THR-0.8), reduce power below 0.4 (two such hosts fit in one under
    /// 0.8); failsafe 0.05..0.95; VM cooldown 1 h. The harness has no operator to protect, so the caps on migrations per
    /// cycle are lifted (the product's defaults are 8 per cycle and 2 per host).
    /// </summary>
    public HostSettings Settings { get; init; } = HostSettings.Default with
    {
        ReactiveRange = new WorkloadRange(0.4, 0.8),
        ProactiveRange = new WorkloadRange(0.4, 0.8),
        FailsafeRange = new WorkloadRange(0.05, 0.95),
        ControllerMode = ControllerModeSetting.Reactive,
        VmCooldown = TimeSpan.FromHours(1),
        MaxMigrationsPerCycle = 100_000,
        MaxMigrationsPerHostPerCycle = 1_000,
    };

    /// <summary>The planner's fleet-wide knobs (the cap per cycle comes from <see cref="Settings"/>).</summary>
    public PlannerOptions Planner { get; init; } = PlannerOptions.Default;

    public NetworkOptions Network { get; init; } = NetworkOptions.Default with { Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };

    /// <summary>Steps of future demand the oracle knows.</summary>
    public int OracleLookaheadSteps { get; init; } = 6;

    /// <summary>
    /// Wake sleeping hosts in order of efficiency (least power per MIPS at full load first: G5 before G4). Off: every
    /// sleeping host is as good, and the planner's best fit picks the one left fullest (on a small fleet the smaller,
    /// less efficient G4).
    /// </summary>
    public bool WakeEfficientFirst { get; init; }

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
                "FLEET-FIT-REDUCE-POWER" => options with { Planner = options.Planner with { ConsolidateWhenFleetFits = true } },
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
            PrescientForecastSource.Oracle => $"oracle: each VM's actual demand over the next {OracleLookaheadSteps} steps ({OracleLookaheadSteps * 5} min)",
            PrescientForecastSource.HostForecaster => "the product's forecasting per host (last value, seasonal naive, the 3-20-1 network with SGD learning online; 90th-percentile conformal upper band; per-step selection against last value), 3 steps ahead, from an untrained start each fleet-day",
            _ => "none",
        };
        return $"the product's planner (Core FleetPlanner) with controller {mode}; range {(Forecast == PrescientForecastSource.None ? s.ReactiveRange : s.ProactiveRange)}; " +
               $"forecast: {forecast}; offload margin {Planner.OffloadMargin.ToString(inv)}; memory and per-core demand enforced; " +
               $"VM cooldown {s.VmCooldown.TotalMinutes.ToString(inv)} min; minimum improvement {s.MinimumImprovement.ToString(inv)}; " +
               (Planner.ConsolidateWhenFleetFits ? "consolidate when the fleet fits on one host fewer; " : string.Empty) +
               (WakeEfficientFirst ? "wake G5 hosts before G4; " : string.Empty) +
               (Planner.MayEvacuateReceivers ? "receivers may be emptied in the same step (CloudSim); " : string.Empty) +
               "period = 5-min step";
    }
}
