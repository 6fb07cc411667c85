using System.Diagnostics;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Core.Windows;
using Prescient.Simulation.Consolidation;
using Prescient.Forecasting.Models;
using Prescient.Simulation.Forecasting;

namespace Prescient.Simulation.Benchmarks;

/// <summary>One throughput figure next to the baseline measured in the same run.</summary>
public sealed record ThroughputFigure(string Name, double Value, string Unit, string Baseline, double BaselineValue)
{
    /// <summary>Value / baseline (for rates higher is better; for times lower is better).</summary>
    public double Ratio => BaselineValue == 0 ? double.NaN : Value / BaselineValue;
}

public sealed record ThroughputOptions
{
    public int Samples { get; init; } = 1_000_000;

    public int Hosts { get; init; } = 10_000;

    public int ControllerRounds { get; init; } = 5;

    public int Epochs { get; init; } = 50;

    /// <summary>PlanetLab day folder for the host-days figure (skipped when null or missing).</summary>
    public string? PlanetLabDay { get; init; }
}

/// <summary>
/// Process CPU time (not wall time): the machine running the benchmarks may be shared, and CPU time of a
/// single-threaded loop is what "per core" means.
/// </summary>
internal sealed class CpuClock
{
    private TimeSpan _start = Now();

    public TimeSpan Elapsed => Now() - _start;

    public static CpuClock StartNew() => new();

    public void Restart() => _start = Now();

    private static TimeSpan Now()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }
}

/// <summary>Single-threaded throughput figures (so "per second" is per core), each with a naive baseline.</summary>
public static class ThroughputBenchmark
{
    public static IReadOnlyList<ThroughputFigure> Run(ThroughputOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var figures = new List<ThroughputFigure>
        {
            Aggregation(options.Samples),
        };
        progress?.Invoke("aggregation done");
        figures.AddRange(Training(options.Epochs));
        progress?.Invoke("training done");
        figures.Add(Controller(options.Hosts, options.ControllerRounds));
        progress?.Invoke("controller done");
        if (options.PlanetLabDay is { } day && Directory.Exists(day))
        {
            figures.AddRange(HostDays(day));
            progress?.Invoke("simulation done");
        }

        return figures;
    }

    /// <summary>
    /// Samples validated (WorkloadSample's constructor) and aggregated into 20-minute windows by Core's
    /// WindowAggregator (idempotent by sequence) vs the naive way: keep every sample in a list with a (host, sequence)
    /// set for duplicates, group by (host, period) at the end.
    /// </summary>
    public static ThroughputFigure Aggregation(int samples)
    {
        const int hosts = 100;
        var start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var rng = new Random(7);
        var raw = new (string Host, long Seq, DateTimeOffset At, double W)[samples];
        var hostIds = Enumerable.Range(0, hosts).Select(h => "host" + h).ToArray();
        for (var i = 0; i < samples; i++)
        {
            var h = i % hosts;
            var seq = i / hosts;
            raw[i] = (hostIds[h], seq, start.AddSeconds(seq * 5.0), rng.NextDouble());
        }

        var calendar = new PeriodCalendar(TimeZoneInfo.Utc);
        var sw = CpuClock.StartNew();
        var aggregator = new WindowAggregator(calendar);
        foreach (var (host, seq, at, w) in raw)
        {
            aggregator.Add(new WorkloadSample(host, seq, at, w));
        }

        var windows = 0;
        foreach (var host in hostIds)
        {
            windows += aggregator.CloseThrough(host, calendar.PeriodOf(start.AddSeconds((samples / hosts * 5.0) + 3600))).Count;
        }

        var core = samples / sw.Elapsed.TotalSeconds;

        sw.Restart();
        var seen = new HashSet<(string, long)>();
        var kept = new List<(string Host, long Seq, DateTimeOffset At, double W)>();
        foreach (var s in raw)
        {
            if (double.IsNaN(s.W) || s.W < 0 || s.W > 1)
            {
                continue;
            }

            if (seen.Add((s.Host, s.Seq)))
            {
                kept.Add(s);
            }
        }

        var naiveWindows = kept.GroupBy(s => (s.Host, calendar.PeriodOf(s.At))).Select(g => (g.Key, Mean: g.Average(x => x.W), Max: g.Max(x => x.W))).Count();
        var naive = samples / sw.Elapsed.TotalSeconds;
        if (naiveWindows != windows)
        {
            throw new InvalidOperationException($"The aggregator closed {windows} windows but the naive grouping found {naiveWindows}.");
        }

        return new ThroughputFigure("samples validated and aggregated (Core WindowAggregator)", core, "samples/s/core", "list + dedup set + group-by", naive);
    }

    /// <summary>Bulk training on one host-month (30 days x 72 periods) of a synthetic diurnal series: the network (SGD, Adam) vs FastTree on the same month.</summary>
    public static IReadOnlyList<ThroughputFigure> Training(int epochs)
    {
        var rng = new Random(3);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var n = 30 * 72;
        var values = new double[n];
        for (var t = 0; t < n; t++)
        {
            values[t] = Math.Clamp(0.45 + (0.3 * Math.Sin(2 * Math.PI * (t % 72) / 72.0)) + (0.05 * (rng.NextDouble() - 0.5)), 0, 1);
        }

        var series = new ForecastSeries("synthetic", "host-month", start, values).ToLoadSeries();
        var sw = CpuClock.StartNew();
        TreeModel.Train([(series, 0, n)], DayCategorizer.WeekdayWeekend);
        var fastTree = sw.Elapsed.TotalSeconds;
        var result = new List<ThroughputFigure>();
        var history = NetworkModel.Observations(series, 0, n);
        foreach (var optimizer in new[] { OptimizerKind.Sgd, OptimizerKind.Adam })
        {
            var network = NetworkOptions.Default with { Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 0.05 : 0.005 };
            var predictor = new WorkloadPredictor(new PredictorOptions { Network = network, TrainingDeadlinePeriods = int.MaxValue }, DayCategorizer.WeekdayWeekend, ForecastSeries.PeriodsPerDay);
            sw.Restart();
            predictor.TrainBulk(history, epochs);
            result.Add(new ThroughputFigure($"network training, one host-month, {epochs} epochs, {optimizer}", sw.Elapsed.TotalSeconds, "s/host-month", "FastTree fit on the same month", fastTree));
        }

        return result;
    }

    /// <summary>HostController.Evaluate for every host, several rounds, vs a bare threshold comparison.</summary>
    public static ThroughputFigure Controller(int hosts, int rounds)
    {
        var rng = new Random(11);
        var measured = new double[hosts];
        var predicted = new double[hosts];
        for (var h = 0; h < hosts; h++)
        {
            measured[h] = rng.NextDouble();
            predicted[h] = Math.Clamp(measured[h] + ((rng.NextDouble() - 0.5) * 0.1), 0, 1);
        }

        var settings = HostSettings.Default;
        var states = new ControllerState[hosts];
        Array.Fill(states, ControllerState.Initial);
        var sw = CpuClock.StartNew();
        var offloads = 0;
        for (var r = 0; r < rounds; r++)
        {
            for (var h = 0; h < hosts; h++)
            {
                var (decision, state) = HostController.Evaluate(states[h], new ControllerInput(measured[h], predicted[h], Math.Abs(measured[h] - predicted[h])), settings);
                states[h] = state;
                offloads += decision.Indication == Indication.Offload ? 1 : 0;
            }
        }

        var core = hosts * (double)rounds / sw.Elapsed.TotalSeconds;
        sw.Restart();
        var naiveOffloads = 0;
        for (var r = 0; r < rounds * 100; r++)
        {
            for (var h = 0; h < hosts; h++)
            {
                naiveOffloads += measured[h] > settings.ReactiveRange.High ? 1 : 0;
            }
        }

        var naive = hosts * (double)rounds * 100 / sw.Elapsed.TotalSeconds;
        GC.KeepAlive(offloads + naiveOffloads);
        return new ThroughputFigure($"controller evaluations, {hosts} hosts (Core HostController, explained decisions)", core, "evaluations/s/core", "bare threshold comparison", naive);
    }

    /// <summary>Simulated host-days per second: one PlanetLab day on 800 hosts, per policy, vs THR-MMT-0.8.</summary>
    public static IReadOnlyList<ThroughputFigure> HostDays(string dayFolder)
    {
        var day = PlanetLabDay.Load(dayFolder);
        var setup = new ConsolidationSetup();
        var simulator = new ConsolidationSimulator(setup);
        double Rate(IConsolidationPolicy p)
        {
            var sw = CpuClock.StartNew();
            simulator.Run(day, p);
            return setup.Hosts / sw.Elapsed.TotalSeconds;
        }

        var thr = Rate(new BaselinePolicy(new ThresholdDetector(0.8)));
        var list = new List<ThroughputFigure>();
        foreach (var p in new IConsolidationPolicy[]
        {
            new BaselinePolicy(new LocalRegressionDetector(1.2, robust: false)),
            new PrescientPolicy(new PrescientPolicyOptions { Name = "prescient-reactive" }),
            PrescientPolicy.Standard[2](),
        })
        {
            list.Add(new ThroughputFigure($"simulated host-days, {p.Name}", Rate(p), "host-days/s", "THR-MMT-0.8 in the same simulator", thr));
        }

        return list;
    }
}
