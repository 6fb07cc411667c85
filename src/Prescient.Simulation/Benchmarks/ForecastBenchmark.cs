using Prescient.Core.Network;
using Prescient.Simulation.Forecasting;

namespace Prescient.Simulation.Benchmarks;

public sealed record ForecastBenchmarkOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>Families to run (empty = all present).</summary>
    public IReadOnlyList<string> Families { get; init; } = [];

    /// <summary>PlanetLab VMs (and simulated hosts) sampled per day.</summary>
    public int PlanetLabPerDay { get; init; } = 40;

    public int Epochs { get; init; } = 50;

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>End of the training part and of the validation part, as fractions of each series.</summary>
    public double TrainFraction { get; init; } = 0.55;

    public double ValidationFraction { get; init; } = 0.15;

    public double OverloadThreshold { get; init; } = 0.8;
}

/// <summary>Test-part accuracy of one model on one family (pooled over the family's series).</summary>
public sealed record ForecastScore(string Family, string Model, int Series, int Points, double Mae, double Rmse, int OverloadPeriods, int OverloadsAnticipated)
{
    /// <summary>Fraction of test periods above the overload threshold whose forecast was above it too (null when none).</summary>
    public double? OverloadRecall => OverloadPeriods == 0 ? null : (double)OverloadsAnticipated / OverloadPeriods;
}

public sealed record ForecastReport(IReadOnlyList<ForecastScore> Scores, IReadOnlyList<(string Family, string Model, int Chosen)> Selections);

/// <summary>
/// Next-period (20-minute) forecast accuracy per trace family, chronological split per series: train, validation
/// (used only by the selection rule), test. Online models keep learning through validation and test, predicting each
/// period before seeing it.
/// </summary>
public static class ForecastBenchmark
{
    public const string SelectionRule = "select-by-validation";

    public static IReadOnlyList<Func<IForecaster>> Models(int epochs) =>
    [
        () => new LastValueForecaster(),
        () => new SeasonalForecaster("same-period-yesterday", 72),
        () => new SeasonalForecaster("same-period-last-week", 504),
        () => new LocalRegressionForecaster(),
        () => new NetworkForecaster("network-sgd", OptimizerKind.Sgd, perDayCategory: false, epochs),
        () => new NetworkForecaster("network-adam", OptimizerKind.Adam, perDayCategory: false, epochs),
        () => new NetworkForecaster("network-adam-per-category", OptimizerKind.Adam, perDayCategory: true, epochs),
    ];

    public static ForecastReport Run(ForecastBenchmarkOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.DataDirectory))
        {
            throw new DirectoryNotFoundException($"Trace folder '{options.DataDirectory}' not found. Pass --data DIR (e.g. ../shared/data).");
        }

        var families = ForecastData.Families(options.DataDirectory, options.PlanetLabPerDay);
        if (options.Families.Count > 0)
        {
            var unknown = options.Families.Where(f => !families.Any(x => x.Family == f)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"Unknown or missing famil{(unknown.Count == 1 ? "y" : "ies")} {string.Join(", ", unknown)}; present: {string.Join(", ", families.Select(f => f.Family))}.");
            }

            families = [.. families.Where(f => options.Families.Contains(f.Family))];
        }

        var scores = new List<ForecastScore>();
        var selections = new List<(string, string, int)>();
        var models = Models(options.Epochs);
        foreach (var (family, load) in families)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var series = load().Where(s => s.Values.Length >= 24).ToList();
            progress?.Invoke($"{family}: {series.Count} series");
            var splits = series.Select(s => (Train: (int)(s.Values.Length * options.TrainFraction), Test: (int)(s.Values.Length * (options.TrainFraction + options.ValidationFraction)))).ToList();

            // FastTree: one model per family on the training parts.
            var fastTree = new FastTreeFamilyModel();
            fastTree.Fit(series.Select((s, i) => (s, splits[i].Train)));
            var names = models.Select(m => m().Name).Append(fastTree.Name).ToList();
            var forecasts = new double[series.Count][][];
            for (var i = 0; i < series.Count; i++)
            {
                forecasts[i] = new double[names.Count][];
                var f = new double[series[i].Values.Length];
                for (var t = splits[i].Train; t < f.Length; t++)
                {
                    f[t] = fastTree.Forecast(series[i], t);
                }

                forecasts[i][names.Count - 1] = f;
            }

            Parallel.For(0, series.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, i =>
            {
                var s = series[i];
                for (var m = 0; m < models.Count; m++)
                {
                    var model = models[m]();
                    model.Fit(s, splits[i].Train);
                    var f = new double[s.Values.Length];
                    for (var t = Math.Max(1, splits[i].Train); t < f.Length; t++)
                    {
                        f[t] = model.Forecast(s, t);
                    }

                    forecasts[i][m] = f;
                }
            });

            // Scores on the test part, and the selection rule: the model with the lowest validation MAE, unless it
            // does not beat last value there, in which case last value.
            var n = names.Count;
            var abs = new double[n + 1];
            var sq = new double[n + 1];
            var over = new int[n + 1];
            var hit = new int[n + 1];
            var chosenCount = new int[n];
            var points = 0;
            for (var i = 0; i < series.Count; i++)
            {
                var v = series[i].Values;
                var (train, test) = splits[i];
                var best = 0;
                var bestMae = double.MaxValue;
                var lastMae = 0.0;
                for (var m = 0; m < n; m++)
                {
                    var mae = 0.0;
                    for (var t = Math.Max(1, train); t < test; t++)
                    {
                        mae += Math.Abs(forecasts[i][m][t] - v[t]);
                    }

                    if (m == 0)
                    {
                        lastMae = mae;
                    }

                    if (mae < bestMae)
                    {
                        bestMae = mae;
                        best = m;
                    }
                }

                if (bestMae >= lastMae)
                {
                    best = 0;
                }

                chosenCount[best]++;
                for (var t = test; t < v.Length; t++)
                {
                    points++;
                    for (var m = 0; m <= n; m++)
                    {
                        var f = forecasts[i][m == n ? best : m][t];
                        var e = f - v[t];
                        abs[m] += Math.Abs(e);
                        sq[m] += e * e;
                        if (v[t] > options.OverloadThreshold)
                        {
                            over[m]++;
                            if (f > options.OverloadThreshold)
                            {
                                hit[m]++;
                            }
                        }
                    }
                }
            }

            for (var m = 0; m <= n; m++)
            {
                var name = m == n ? SelectionRule : names[m];
                scores.Add(new ForecastScore(family, name, series.Count, points, points == 0 ? 0 : abs[m] / points, points == 0 ? 0 : Math.Sqrt(sq[m] / points), over[m], hit[m]));
            }

            for (var m = 0; m < n; m++)
            {
                selections.Add((family, names[m], chosenCount[m]));
            }

            progress?.Invoke($"{family}: done");
        }

        return new ForecastReport(scores, selections);
    }
}
