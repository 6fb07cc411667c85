using System.Diagnostics;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Series;

namespace Prescient.Simulation.Benchmarks;

public sealed record RetrainBenchmarkOptions
{
    public int Hosts { get; init; } = 10_000;

    public int Days { get; init; } = 28;

    /// <summary>Hosts trained per call (the retrain function's batch).</summary>
    public int BatchHosts { get; init; } = 256;

    /// <summary>Hosts the one-network-at-a-time baseline trains (extrapolated to the fleet).</summary>
    public int BaselineHosts { get; init; } = 64;

    /// <summary>Periods measured between two incremental retrains (3 = hourly).</summary>
    public int NewPeriods { get; init; } = 3;

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public HostTrainingOptions Training { get; init; } = new();
}

/// <summary>One figure of the retrain benchmark (seconds of wall time unless said otherwise).</summary>
public sealed record RetrainFigure(string Name, double Value, string Unit, string? Baseline = null, double? BaselineValue = null)
{
    public double? Ratio => BaselineValue is > 0 ? Value / BaselineValue : null;
}

/// <summary>
/// The compute of a fleet retrain, in memory (no storage: reading and writing are the pipeline benchmark's): synthetic
/// hosts (daily cycles of random phase, amplitude and noise, and random walks) with <see cref="RetrainBenchmarkOptions.Days"/>
/// of 20-minute history each; a full retrain (fleet tree model on 200 hosts, then every host's network trained from
/// scratch, every model validated on the held-out periods, selection and bands) and an incremental one (the next
/// periods: warm start plus replay, out-of-sample residuals). The baseline in the same run is the previous retrain's
/// training: one network at a time by <see cref="WorkloadPredictor.TrainBulk"/> on the same data and epochs, timed on
/// a sample and extrapolated to the fleet.
/// </summary>
public static class RetrainBenchmark
{
    public static IReadOnlyList<RetrainFigure> Run(RetrainBenchmarkOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ppd = 72;
        var categories = DayCategorizer.WeekdayWeekend;
        var start = new PeriodKey(new DateOnly(2026, 1, 5), 0);
        var total = (options.Days * ppd) + options.NewPeriods;
        progress?.Invoke($"making {options.Hosts} synthetic hosts x {options.Days} days");
        var full = new LoadSeries[options.Hosts];
        Parallel.For(0, options.Hosts, h => full[h] = Synthetic(h, start, ppd, total));
        var before = full.Select(s => s.Truncate(options.Days * ppd)).ToArray();
        var figures = new List<RetrainFigure>();
        var now = DateTimeOffset.UnixEpoch;

        static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var sw = Stopwatch.StartNew();
        var cpu = Cpu();
        var stride = Math.Max(1, options.Hosts / 200);
        var window = Math.Min(options.Training.WindowPeriods, before[0].Count / 4);
        var tree = TreeModel.Train(Enumerable.Range(0, Math.Min(200, options.Hosts)).Select(i => (before[i * stride % options.Hosts], 0, before[0].Count - window)), categories, TreeModelOptions.Default with { Horizon = options.Training.Horizon });
        var treeSeconds = sw.Elapsed.TotalSeconds;
        var treeCpu = Cpu() - cpu;
        progress?.Invoke($"fleet tree model: {treeSeconds:0.0} s");

        PredictorOptions Predictor(int h) => new() { Network = HostTrainingOptions.DefaultNetwork with { Seed = HostTrainer.StableHash("host" + h) }, TrainingDeadlinePeriods = int.MaxValue };
        var bundles = new ForecastBundle?[options.Hosts];
        sw.Restart();
        var selected = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < options.Hosts; b += options.BatchHosts)
        {
            var inputs = Enumerable.Range(b, Math.Min(options.BatchHosts, options.Hosts - b))
                .Select(h => new HostTrainingInput("host" + h, before[h], null, Predictor(h), categories, Full: true)).ToList();
            var results = HostTrainer.Train(inputs, tree, "v1", options.Training, now, options.Parallelism);
            for (var i = 0; i < results.Length; i++)
            {
                bundles[b + i] = results[i].Bundle;
            }

            if ((b / options.BatchHosts) % 8 == 0)
            {
                progress?.Invoke($"full retrain: {b + inputs.Count}/{options.Hosts} hosts, {sw.Elapsed.TotalSeconds:0.0} s");
            }
        }

        var fullSeconds = sw.Elapsed.TotalSeconds + treeSeconds;
        var fullCpu = Cpu() - cpu;
        foreach (var bundle in bundles)
        {
            var m = bundle?.StepModels[0] ?? "none";
            selected[m] = selected.GetValueOrDefault(m) + 1;
        }

        progress?.Invoke($"full retrain: {fullSeconds:0.0} s; selected: {string.Join(", ", selected.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))}");

        sw.Restart();
        cpu = Cpu();
        for (var b = 0; b < options.Hosts; b += options.BatchHosts)
        {
            var inputs = Enumerable.Range(b, Math.Min(options.BatchHosts, options.Hosts - b))
                .Select(h => new HostTrainingInput("host" + h, full[h], bundles[h], Predictor(h), categories, Full: false)).ToList();
            HostTrainer.Train(inputs, tree, "v1", options.Training, now.AddHours(1), options.Parallelism);
        }

        var incrementalSeconds = sw.Elapsed.TotalSeconds;
        var incrementalCpu = Cpu() - cpu;
        progress?.Invoke($"incremental retrain: {incrementalSeconds:0.0} s");

        // The daily full retrain once networks exist: warm start over the whole history.
        sw.Restart();
        cpu = Cpu();
        for (var b = 0; b < options.Hosts; b += options.BatchHosts)
        {
            var inputs = Enumerable.Range(b, Math.Min(options.BatchHosts, options.Hosts - b))
                .Select(h => new HostTrainingInput("host" + h, full[h], bundles[h], Predictor(h), categories, Full: true)).ToList();
            HostTrainer.Train(inputs, tree, "v1", options.Training, now.AddHours(1), options.Parallelism);
        }

        var warmSeconds = sw.Elapsed.TotalSeconds + treeSeconds;
        var warmCpu = Cpu() - cpu + treeCpu;
        progress?.Invoke($"full retrain with warm-started networks: {warmSeconds:0.0} s");

        // Baseline: one network at a time, as the retrain did before (same epochs, same observations).
        sw.Restart();
        cpu = Cpu();
        var sample = Math.Min(options.BaselineHosts, options.Hosts);
        Parallel.For(0, sample, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism }, h =>
        {
            var p = new WorkloadPredictor(Predictor(h), categories, ppd);
            p.TrainBulk(NetworkModel.Observations(before[h], 0, before[h].Count - window), options.Training.Epochs);
        });
        var baseline = sw.Elapsed.TotalSeconds * options.Hosts / sample;
        var baselineCpu = (Cpu() - cpu) * options.Hosts / sample;
        sw.Restart();
        cpu = Cpu();
        var lanes = Enumerable.Range(0, sample).Select(h => (new WorkloadPredictor(Predictor(h), categories, ppd), (IReadOnlyList<Core.Network.PeriodObservation>)NetworkModel.Observations(before[h], 0, before[h].Count - window), options.Training.Epochs)).ToList();
        NetworkBatchTrainer.Train(lanes, options.Parallelism);
        var batched = sw.Elapsed.TotalSeconds * options.Hosts / sample;
        var batchedCpu = (Cpu() - cpu) * options.Hosts / sample;

        figures.Add(new RetrainFigure($"first full retrain, {options.Hosts} hosts x {options.Days} days (fleet tree + new networks + validation + selection)", fullSeconds, "s", "networks one at a time (TrainBulk), extrapolated", baseline));
        figures.Add(new RetrainFigure($"full retrain with warm-started networks (the daily one), {options.Hosts} hosts", warmSeconds, "s", "first full retrain, same run", fullSeconds));
        figures.Add(new RetrainFigure($"incremental retrain, {options.NewPeriods} new periods per host", incrementalSeconds, "s", "first full retrain, same run", fullSeconds));
        figures.Add(new RetrainFigure("network training alone, SIMD lanes (NetworkBatchTrainer), extrapolated", batched, "s", "networks one at a time (TrainBulk), extrapolated", baseline));
        figures.Add(new RetrainFigure("full retrain, CPU time (all cores)", fullCpu, "s", "networks one at a time, CPU time, extrapolated", baselineCpu));
        figures.Add(new RetrainFigure("full retrain with warm-started networks, CPU time", warmCpu, "s", "first full retrain, CPU time", fullCpu));
        figures.Add(new RetrainFigure("incremental retrain, CPU time (all cores)", incrementalCpu, "s", "first full retrain, CPU time", fullCpu));
        figures.Add(new RetrainFigure("network training alone, SIMD lanes, CPU time, extrapolated", batchedCpu, "s", "networks one at a time, CPU time, extrapolated", baselineCpu));
        figures.Add(new RetrainFigure("fleet tree model (FastTree, 200 hosts)", treeSeconds, "s"));
        foreach (var (model, count) in selected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            figures.Add(new RetrainFigure($"hosts selecting {model} for the next period", count, "hosts"));
        }

        return figures;
    }

    /// <summary>Host h: a daily cycle (three in four hosts) or a random walk, with noise; deterministic.</summary>
    private static LoadSeries Synthetic(int h, PeriodKey start, int ppd, int count)
    {
        var rng = new Random(h);
        var values = new double[count];
        var phase = rng.NextDouble() * 2 * Math.PI;
        var amplitude = 0.05 + (0.3 * rng.NextDouble());
        var level = 0.2 + (0.4 * rng.NextDouble());
        var noise = 0.01 + (0.05 * rng.NextDouble());
        var walk = h % 4 == 3;
        var x = level;
        for (var t = 0; t < count; t++)
        {
            x = walk ? Math.Clamp(x + (noise * (rng.NextDouble() - 0.5)), 0, 1) : level + (amplitude * Math.Sin((2 * Math.PI * (t % ppd) / ppd) + phase));
            values[t] = Math.Clamp(x + (walk ? 0 : noise * (rng.NextDouble() - 0.5)), 0, 1);
        }

        return new LoadSeries(start, ppd, values);
    }
}
