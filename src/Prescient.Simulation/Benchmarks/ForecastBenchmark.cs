using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;
using Prescient.Simulation.Forecasting;

namespace Prescient.Simulation.Benchmarks;

public sealed record ForecastBenchmarkOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>Families to run (empty = all present).</summary>
    public IReadOnlyList<string> Families { get; init; } = [];

    /// <summary>PlanetLab VMs (and simulated hosts) sampled per day.</summary>
    public int PlanetLabPerDay { get; init; } = 40;

    /// <summary>Bulk-training epochs of the network on the training part.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>The network's shape and optimiser (the product's default).</summary>
    public NetworkOptions Network { get; init; } = HostTrainingOptions.DefaultNetwork;

    /// <summary>Day categories (the network's input and the tree's feature).</summary>
    public DayCategorizer Categories { get; init; } = DayCategorizer.WeekdayWeekend;

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>End of the training part and of the validation part, as fractions of each series.</summary>
    public double TrainFraction { get; init; } = 0.55;

    public double ValidationFraction { get; init; } = 0.15;

    public double OverloadThreshold { get; init; } = 0.8;

    /// <summary>A test period is high load when its measured load is at least this quantile of the series' training part.</summary>
    public double HighLoadQuantile { get; init; } = 0.9;

    /// <summary>Periods ahead forecast from each origin (rows for 1 and this).</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>The upper quantile.</summary>
    public double Quantile { get; init; } = ConformalBand.DefaultQuantile;

    /// <summary>Bands and selection are refreshed every this many periods (the retrain schedule: 3 = hourly).</summary>
    public int RefreshPeriods { get; init; } = 3;

    /// <summary>The selection compares models over this many trailing periods (the retrain's held-out periods).</summary>
    public int SelectionPeriods { get; init; } = 72;

    /// <summary>A band is the quantile of this many trailing residuals per step.</summary>
    public int BandPeriods { get; init; } = 216;
}

/// <summary>One row: a model's test-part accuracy at one horizon over a family.</summary>
public sealed record ForecastRow(
    string Family,
    string Model,
    int Horizon,
    int Series,
    int Points,
    double Mae,
    double MaeVsLastValue,
    double Pinball90,
    double Pinball90VsLastValue,
    int OverloadPeriods,
    double? OverloadRecall,
    double? FalseAlarmRate,
    int Onsets,
    double? OnsetRecall,
    double UpperMissRate,
    int HighLoadPeriods,
    double? HighLoadMissRate,
    double? HighLoadMissRateVsLastValue);

public sealed record ForecastReport(IReadOnlyList<ForecastRow> Rows, IReadOnlyList<(string Family, string Model, double ChosenShare)> Selections);

/// <summary>
/// Forecast accuracy per trace family with the product's forecasters (Prescient.Forecasting): chronological split per
/// series into training (models fitted: the network bulk-trained, FastTree pooled over the family's training parts),
/// validation and test; from every origin after training each model forecasts the next <see cref="ForecastBenchmarkOptions.Horizon"/>
/// periods with a conformal upper band from its trailing residuals; the selection rule picks per refresh the model
/// with the lowest trailing error unless last value is better. Rows for horizons 1 and H; a family's series whose
/// training part repeats daily are also reported as "FAMILY/periodic".
/// </summary>
public static class ForecastBenchmark
{
    public static ForecastReport Run(ForecastBenchmarkOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.DataDirectory))
        {
            throw new DirectoryNotFoundException($"Trace folder '{options.DataDirectory}' not found. Pass --data DIR (e.g. ../shared/data).");
        }

        var families = ForecastData.Families(options.DataDirectory, options.PlanetLabPerDay);
        if (families.Count == 0)
        {
            throw new ArgumentException($"No trace family found in '{options.DataDirectory}' (expected planetlab/, bitbrains-rnd/, alibaba2018/ or azure-v1/).");
        }

        if (options.Families.Count > 0)
        {
            var unknown = options.Families.Where(f => !families.Any(x => x.Family == f)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"Unknown or missing famil{(unknown.Count == 1 ? "y" : "ies")} {string.Join(", ", unknown)}; present: {string.Join(", ", families.Select(f => f.Family))}.");
            }

            families = [.. families.Where(f => options.Families.Contains(f.Family))];
        }

        var rows = new List<ForecastRow>();
        var selections = new List<(string, string, double)>();
        foreach (var (family, load) in families)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var series = load().Where(s => s.Values.Length >= 24).Select(s => s.ToLoadSeries()).ToList();
            progress?.Invoke($"{family}: {series.Count} series; training FastTree on the training parts");
            var runs = series.Select(s => new ForecastSeriesRun
            {
                Series = s,
                TrainEnd = Math.Max(2, (int)(s.Count * options.TrainFraction)),
                TestStart = (int)(s.Count * (options.TrainFraction + options.ValidationFraction)),
                Options = options,
            }).ToList();
            var tree = TreeModel.Train(runs.Select(r => (r.Series, 0, r.TrainEnd)), options.Categories, TreeModelOptions.Default with { Horizon = options.Horizon });
            var done = 0;
            Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, run =>
            {
                run.Run(tree);
                var d = Interlocked.Increment(ref done);
                if (d % Math.Max(1, runs.Count / 5) == 0 || d == runs.Count)
                {
                    progress?.Invoke($"{family}: {d}/{runs.Count} series");
                }
            });

            rows.AddRange(RowsOf(family, runs, options.Horizon));
            var periodic = runs.Where(r => r.Periodic).ToList();
            if (periodic.Count > 0 && periodic.Count < runs.Count)
            {
                rows.AddRange(RowsOf(family + "/periodic", periodic, options.Horizon));
            }

            var total = runs.Sum(r => r.Chosen.Sum());
            for (var m = 0; m < ForecastSeriesRun.BaseModels.Length; m++)
            {
                selections.Add((family, ForecastSeriesRun.BaseModels[m], total == 0 ? 0 : runs.Sum(r => r.Chosen[m]) / (double)total));
            }
        }

        return new ForecastReport(rows, selections);
    }

    private static IEnumerable<ForecastRow> RowsOf(string family, IReadOnlyList<ForecastSeriesRun> runs, int horizon)
    {
        foreach (var h in horizon == 1 ? [1] : new[] { 1, horizon })
        {
            var sums = new ForecastTally[ForecastSeriesRun.RowModels.Length];
            for (var r = 0; r < sums.Length; r++)
            {
                sums[r] = new ForecastTally();
                foreach (var run in runs)
                {
                    sums[r].Add(run.Tallies[r][h - 1]);
                }
            }

            var last = sums[0];
            double Ratio(double a, double b) => b > 0 ? a / b : a > 0 ? double.PositiveInfinity : 1;
            double? Share(int a, int b) => b == 0 ? null : (double)a / b;
            for (var r = 0; r < sums.Length; r++)
            {
                var t = sums[r];
                var mae = t.Points == 0 ? 0 : t.AbsoluteError / t.Points;
                var pinball = t.Points == 0 ? 0 : t.Pinball / t.Points;
                yield return new ForecastRow(
                    family, ForecastSeriesRun.RowModels[r], h, runs.Count, t.Points,
                    mae, Ratio(t.AbsoluteError, last.AbsoluteError), pinball, Ratio(t.Pinball, last.Pinball),
                    t.Overloads, Share(t.OverloadsForecast, t.Overloads), Share(t.FalseAlarms, t.Calm), t.Onsets, Share(t.OnsetsForecast, t.Onsets),
                    Share(t.UpperMisses, t.Points) ?? 0, t.HighLoad, Share(t.HighLoadMisses, t.HighLoad),
                    t.HighLoad == 0 || last.HighLoadMisses == 0 ? null : (double)t.HighLoadMisses / last.HighLoadMisses);
            }
        }
    }
}
