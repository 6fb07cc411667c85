using Prescient.Core.Migration;
using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Simulation.Engine;
using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Scenarios;

/// <summary>
/// The day of the patent's figures on a small fleet: host <c>host-a</c> (8 cores) runs six VMs whose demands sum to
/// the patent's day; <c>host-b</c> and <c>host-c</c> (16 cores each) run steady office-hours workloads and have the
/// headroom to take VMs. The VMs' networks train on two synthetic weeks (weekends quieter), then one weekday is
/// replayed three ways: no migration, reactive (measured vs 0.15..0.80), proactive (autostart from reactive once the
/// predictions are accurate; the predicted workload of the current and next period vs 0.15..0.80; failsafe back to
/// reactive).
/// </summary>
public static class PatentDayScenario
{
    public const string Name = "patent-day";

    public static readonly DateOnly DefaultDay = new(2026, 3, 18);

    /// <summary>The scenario's parameters (all physical quantities; none of them is an outcome).</summary>
    public sealed record Parameters
    {
        public DateOnly Day { get; init; } = DefaultDay;

        public int TrainingDays { get; init; } = 14;

        /// <summary>Days replayed from <see cref="Day"/> (1: the patent's day alone).</summary>
        public int ReplayDays { get; init; } = 1;

        public int Seed { get; init; } = 7;

        /// <summary>Cores of the patent host.</summary>
        public double FocusHostCores { get; init; } = 8;

        public double FocusHostMemoryMb { get; init; } = 96 * 1024;

        public double DestinationCores { get; init; } = 16;

        public double DestinationMemoryMb { get; init; } = 128 * 1024;

        /// <summary>Live migration over a dedicated 1 Gbit/s link; about half a core on the source and a third on the destination while it runs.</summary>
        public MigrationCostSettings Migration { get; init; } = new()
        {
            BandwidthMbitPerSecond = 1000,
            SourceCpuCores = 0.6,
            DestinationCpuCores = 0.3,
            VmDegradation = 0.1,
        };

        public EngineOptions Engine { get; init; } = new()
        {
            PowerDownWindow = (new TimeOnly(18, 0), new TimeOnly(23, 59, 59)),
        };

        public int TrainingEpochs { get; init; } = 150;
    }

    /// <summary>Shares of the patent host's demand, memory (MB) and dirty rate (MB/s) of its six VMs.</summary>
    private static readonly (double Share, double MemoryMb, double DirtyMBps)[] FocusVms =
    [
        (0.22, 16384, 30), (0.20, 12288, 20), (0.18, 16384, 60), (0.16, 8192, 15), (0.14, 12288, 40), (0.10, 8192, 10),
    ];

    /// <summary>
    /// The proactive range's high threshold: a forecast is of a 20-minute mean, and the 5-minute means a host sees
    /// scatter a few points around it, so the proactive range sits that much inside the reactive 0.80.
    /// </summary>
    public const double ProactiveHigh = 0.75;

    public static Scenario Create(Parameters? parameters = null)
    {
        var p = parameters ?? new Parameters();
        var first = p.Day.AddDays(-p.TrainingDays);
        var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(p.ReplayDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p.TrainingDays, 1);
        var days = p.TrainingDays + p.ReplayDays + 1;
        var step = TimeSpan.FromMinutes(1);
        var power = PowerModel.Linear(idle: 110, max: 250, reduced: 8);
        var wake = TimeSpan.FromMinutes(3);
        var hosts = new List<HostSpec>
        {
            new("host-a", p.FocusHostCores, p.FocusHostMemoryMb, power, wake),
            new("host-b", p.DestinationCores, p.DestinationMemoryMb, power, wake),
            new("host-c", p.DestinationCores, p.DestinationMemoryMb, power, wake),
        };

        // The patent host: its demand is the patent's day on weekdays, a quiet version on weekends.
        var weekday = PatentDay.HostDemand(start, days, step, p.Seed);
        var weekendScale = SyntheticTraceGenerator.FromShape("weekend", start, days, step,
            (date, _) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.3 : 1.0, NoiseOptions.None, p.Seed);
        var hostDemand = TimeSeries.Regular("host-a", start, step, [.. weekday.Values.Select((v, i) => v * weekendScale.Values[i])]);
        var split = PatentDay.SplitIntoVms(hostDemand, [.. FocusVms.Select(v => v.Share)], p.Seed + 1, "a-vm");
        var placement = new List<(VmSpec, string)>();
        for (var i = 0; i < split.Count; i++)
        {
            var cores = split[i].Scale(p.FocusHostCores);
            var vcpus = Math.Max(1, Math.Ceiling(FocusVms[i].Share * p.FocusHostCores * 1.3));
            placement.Add((new VmSpec(split[i].Name, vcpus, FocusVms[i].MemoryMb, FocusVms[i].DirtyMBps, cores), "host-a"));
        }

        // The destinations: four VMs each with a steady office-hours shape (host load about 25 % at night, 40-45 % at peak).
        foreach (var (host, offset) in new[] { ("host-b", 0), ("host-c", 10) })
        {
            for (var v = 0; v < 4; v++)
            {
                var profile = new DiurnalProfile(Night: 0.28, Peak: 0.48, PeakHour: 13 + (v * 0.7), WidthHours: 4, WeekendFactor: 0.5);
                var trace = SyntheticTraceGenerator.Diurnal($"{host[^1]}-vm-{v + 1}", start, days, step, profile,
                    new NoiseOptions(NoiseSd: 0.03, SpikesPerHour: 0.3, SpikeHeight: 0.1), p.Seed + 100 + offset + v);
                var vcpus = 4.0;
                placement.Add((new VmSpec(trace.Name, vcpus, 12288, 15, trace.Scale(vcpus)), host));
            }
        }

        var engine = p.Engine with { TrainingEpochs = p.TrainingEpochs };
        var calendar = PeriodCalendar.Default;
        var reactive = HostSettings.Default with { ControllerMode = ControllerModeSetting.Reactive };
        var proactive = HostSettings.Default with
        {
            ControllerMode = ControllerModeSetting.Autostart,
            ProactiveRange = new WorkloadRange(0.15, ProactiveHigh),
            FailsafeRange = new WorkloadRange(0.0, 0.95),
            AutostartAccuracyThreshold = 0.05,
            AutostartWindow = 6,
        };
        var policies = Policies(reactive, proactive);

        var categorizer = DayCategorizer.WeekdayWeekend;
        var seed = (ulong)p.Seed;
        IVmForecaster NewForecaster(string vmId) => NetworkForecaster.Create(
            PredictorOptions.FromSettings(proactive, calendar) with
            {
                Network = NetworkOptions.Default with { Seed = seed + (ulong)StableHash(vmId) },
                KeepTrainingAfterDeadline = true,
            },
            categorizer,
            calendar.PeriodsPerDay);

        var c = CultureInfo.InvariantCulture;
        var m = p.Migration;
        string[] parameterLines =
        [
            string.Create(c, $"host-a: {p.FocusHostCores} cores, {p.FocusHostMemoryMb / 1024} GB, six VMs whose demands sum to the patent's day (shares {string.Join(", ", FocusVms.Select(v => v.Share.ToString("P0", c)))}; 8-16 GB; dirty 10-60 MB/s)"),
            string.Create(c, $"host-b, host-c: {p.DestinationCores} cores, {p.DestinationMemoryMb / 1024} GB, four 4-vCPU 12 GB VMs each (office-hours shapes, 28-48 % of the VMs)"),
            string.Create(c, $"power: 110 W idle to 250 W at full load, 8 W in reduced power, {wake.TotalMinutes} min to wake"),
            string.Create(c, $"migration: {m.BandwidthMbitPerSecond} Mbit/s x {m.LinkEfficiency:P0}, pre-copy until <= {m.StopCopyThresholdMb} MB dirty (at most {m.MaxPreCopyRounds} rounds, stall at {m.StallRatio:P0}), {m.SourceCpuCores} cores on the source and {m.DestinationCpuCores} on the destination while it runs, the VM {m.VmDegradation:P0} slower"),
            string.Create(c, $"controller: evaluation every {engine.EvaluationInterval.TotalMinutes} min (measured = mean over it), predictions per {engine.PeriodLength.TotalMinutes}-min period, offload aims {engine.OffloadHeadroom:P0} below the high threshold and destinations stay that far below theirs; selection and the migration guard from Prescient.Core (VM cooldown {proactive.VmCooldown.TotalHours} h, minimum improvement {proactive.MinimumImprovement:P0}, at most {proactive.MaxMigrationsPerHostPerCycle} migrations per host per cycle, cost-benefit on the forecast overload); one migration at a time per source"),
            string.Create(c, $"power-down acted on only {engine.PowerDownWindow?.From:HH\\:mm}-{engine.PowerDownWindow?.Until:HH\\:mm} (scheduled power management; otherwise the idle host would also be evacuated at night)"),
            string.Create(c, $"networks: one 3-20-1 network per VM (inputs: weekday/weekend, period, last measured), Adam, {p.TrainingEpochs} epochs over {p.TrainingDays} synthetic days, online learning during the replay; a host's forecast is the sum of its VMs' forecasts"),
            string.Create(c, $"proactive compares the higher of the current and the next period's forecast (a migration takes minutes; the look-ahead lets it start before the climb)"),
            string.Create(c, $"seed {p.Seed}; simulation step {engine.Step.TotalSeconds} s"),
        ];

        var setup = new SimulationSetup(
            Name,
            "The patent's day (US 9,384,062): host-a is near idle at night, above 80 % from mid-morning, near 100 % late morning, "
            + "below 80 % late afternoon and below 15 % late evening. Replayed without migration, with the patent's reactive "
            + "controller and with its proactive controller.",
            hosts,
            placement,
            m,
            p.Day,
            [.. Enumerable.Range(0, p.TrainingDays).Select(d => first.AddDays(d))],
            "host-a",
            engine,
            parameterLines)
        {
            Days = p.ReplayDays,
        };
        return new Scenario(setup, NewForecaster, policies);
    }

    /// <summary>The three policies compared: no migration, the patent's reactive mode, its proactive mode (autostart).</summary>
    public static IReadOnlyList<PolicyDefinition> Policies(HostSettings reactive, HostSettings proactive)
    {
        ArgumentNullException.ThrowIfNull(reactive);
        ArgumentNullException.ThrowIfNull(proactive);
        var c = CultureInfo.InvariantCulture;
        return
        [
            new("none", "no migration: the hosts keep their VMs", false, reactive),
            new("reactive", string.Create(c, $"patent reactive mode: measured workload vs {reactive.ReactiveRange}"), true, reactive),
            new("proactive", string.Create(c, $"patent proactive mode: network forecasts vs {proactive.ProactiveRange}, autostart from reactive, failsafe {proactive.FailsafeRange}"), true, proactive),
        ];
    }

    internal static uint StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var ch in s)
        {
            h = (h ^ ch) * 16777619u;
        }

        return h % 100_000;
    }
}
