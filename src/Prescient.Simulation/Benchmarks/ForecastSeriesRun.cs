using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;
using Prescient.Forecasting.Series;

namespace Prescient.Simulation.Benchmarks;

/// <summary>Error sums of one model at one horizon (test part).</summary>
internal sealed class ForecastTally
{
    public int Points;
    public double AbsoluteError;
    public double Pinball;
    public int Overloads;
    public int OverloadsForecast;
    public int Calm;
    public int FalseAlarms;
    public int Onsets;
    public int OnsetsForecast;
    public int UpperMisses;
    public int HighLoad;
    public int HighLoadMisses;

    public void Add(ForecastTally other)
    {
        Points += other.Points;
        AbsoluteError += other.AbsoluteError;
        Pinball += other.Pinball;
        Overloads += other.Overloads;
        OverloadsForecast += other.OverloadsForecast;
        Calm += other.Calm;
        FalseAlarms += other.FalseAlarms;
        Onsets += other.Onsets;
        OnsetsForecast += other.OnsetsForecast;
        UpperMisses += other.UpperMisses;
        HighLoad += other.HighLoad;
        HighLoadMisses += other.HighLoadMisses;
    }
}

/// <summary>
/// One series through the product's forecasting: the base models forecast from every origin after the training part
/// (the network learning each period online), each gets a conformal band from its trailing residuals, and the
/// selection rule picks per refresh the model with the lowest trailing error (last value unless beaten), as the
/// retrain function does with its held-out periods. Tallies the test part.
/// </summary>
internal sealed class ForecastSeriesRun
{
    /// <summary>Base models, in order; the rows add last value as a point forecast and the selection.</summary>
    public static readonly string[] BaseModels = [ModelNames.LastValue, ModelNames.SeasonalDay, ModelNames.SeasonalWeek, ModelNames.Network, ModelNames.FastTree];

    /// <summary>Row names: last value (point), each base model with its band, the selection.</summary>
    public static readonly string[] RowModels = [ModelNames.LastValue, "last-value-band", ModelNames.SeasonalDay, ModelNames.SeasonalWeek, ModelNames.Network, ModelNames.FastTree, "selection"];

    public required LoadSeries Series { get; init; }

    public required int TrainEnd { get; init; }

    public required int TestStart { get; init; }

    public required ForecastBenchmarkOptions Options { get; init; }

    /// <summary>Tallies [row model][horizon - 1].</summary>
    public ForecastTally[][] Tallies { get; private set; } = [];

    /// <summary>How often each base model was selected for the next period over the test part.</summary>
    public int[] Chosen { get; } = new int[BaseModels.Length];

    /// <summary>Whether the training part repeats daily (lag-one-day autocorrelation at least 0.5).</summary>
    public bool Periodic { get; private set; }

    public void Run(TreeModel? tree)
    {
        var s = Series;
        var n = s.Count;
        var o = Options;
        var h = o.Horizon;
        Periodic = DailyAutocorrelation(s, TrainEnd) >= 0.5;
        var forecasts = new double[]?[BaseModels.Length][];
        forecasts[0] = Backtest.Run(LastValueModel.Instance, s, TrainEnd, n, h);
        forecasts[1] = Backtest.Run(SeasonalNaiveModel.Day, s, TrainEnd, n, h);
        forecasts[2] = Backtest.Run(SeasonalNaiveModel.Week, s, TrainEnd, n, h);
        var network = new NetworkModel(new WorkloadPredictor(
            new PredictorOptions { Network = o.Network, TrainingDeadlinePeriods = int.MaxValue }, o.Categories, s.PeriodsPerDay));
        var history = NetworkModel.Observations(s, 0, TrainEnd);
        if (history.Count > 0)
        {
            network.Predictor.TrainBulk(history, o.Epochs);
        }

        forecasts[3] = Backtest.Run(network, s, TrainEnd, n, h, learn: true);
        forecasts[4] = tree is null ? forecasts[0] : Backtest.Run(tree.ForHost(s.MeanOf(0, TrainEnd)), s, TrainEnd, n, h);

        // Bands and selection, refreshed every few periods from what was measured before the refresh.
        var upperOffsets = new double[BaseModels.Length][];
        var tallies = new ForecastTally[RowModels.Length][];
        for (var r = 0; r < tallies.Length; r++)
        {
            tallies[r] = new ForecastTally[h];
            for (var k = 0; k < h; k++)
            {
                tallies[r][k] = new ForecastTally();
            }
        }

        var offsetsAt = new double[n][][];
        var chosenAt = new int[n][];
        var chosen = new int[h];
        var buffer = new List<double>();
        for (var origin = TrainEnd; origin < n; origin++)
        {
            if ((origin - TrainEnd) % o.RefreshPeriods == 0)
            {
                var errors = new List<ModelErrors>();
                var window = Math.Min(o.SelectionPeriods, origin - TrainEnd);
                for (var m = 0; m < BaseModels.Length; m++)
                {
                    upperOffsets[m] = new double[h];
                    var absolute = new double[h][];
                    for (var k = 0; k < h; k++)
                    {
                        buffer.Clear();
                        for (var src = Math.Max(TrainEnd, origin - k - o.BandPeriods); src + k < origin; src++)
                        {
                            if (forecasts[m][src - TrainEnd] is { } f && !double.IsNaN(s[src + k]))
                            {
                                buffer.Add(s[src + k] - f[k]);
                            }
                        }

                        upperOffsets[m][k] = ConformalBand.OffsetOf(buffer, o.Quantile);
                        absolute[k] = new double[window];
                        for (var i = 0; i < window; i++)
                        {
                            var target = origin - window + i;
                            var src = target - k;
                            absolute[k][i] = src >= TrainEnd && forecasts[m][src - TrainEnd] is { } f && !double.IsNaN(s[target])
                                ? Math.Abs(s[target] - f[k])
                                : double.NaN;
                        }
                    }

                    errors.Add(new ModelErrors(BaseModels[m], absolute));
                }

                chosen = [.. ModelSelection.Choose(errors, h).Select(name => Array.IndexOf(BaseModels, name))];
            }

            offsetsAt[origin] = [.. upperOffsets.Select(x => x.ToArray())];
            chosenAt[origin] = chosen;
            if (origin >= TestStart)
            {
                Chosen[chosen[0]]++;
            }
        }

        var thr = o.OverloadThreshold;
        var high = HighLoadLevel(s, TrainEnd, o.HighLoadQuantile);
        for (var t = TestStart; t < n; t++)
        {
            var y = s[t];
            if (double.IsNaN(y))
            {
                continue;
            }

            var onset = y > thr && s[t - 1] is var before && !double.IsNaN(before) && before <= thr;
            for (var k = 0; k < h; k++)
            {
                var origin = t - k;
                if (origin < TrainEnd || forecasts[0][origin - TrainEnd] is not { } last)
                {
                    continue;
                }

                for (var r = 0; r < RowModels.Length; r++)
                {
                    var m = r switch { 0 or 1 => 0, 6 => chosenAt[origin][k], _ => r - 1 };
                    var f = forecasts[m][origin - TrainEnd] ?? last;
                    var mean = f[k];
                    var upper = r == 0 ? mean : Math.Clamp(mean + offsetsAt[origin][m][k], mean, Math.Max(mean, 1));
                    var tally = tallies[r][k];
                    tally.Points++;
                    tally.AbsoluteError += Math.Abs(y - mean);
                    tally.Pinball += y > upper ? o.Quantile * (y - upper) : (1 - o.Quantile) * (upper - y);
                    tally.UpperMisses += y > upper ? 1 : 0;
                    if (y >= high)
                    {
                        tally.HighLoad++;
                        tally.HighLoadMisses += y > upper ? 1 : 0;
                    }

                    if (y > thr)
                    {
                        tally.Overloads++;
                        tally.OverloadsForecast += upper > thr ? 1 : 0;
                    }
                    else
                    {
                        tally.Calm++;
                        tally.FalseAlarms += upper > thr ? 1 : 0;
                    }

                    if (onset)
                    {
                        tally.Onsets++;
                        tally.OnsetsForecast += upper > thr ? 1 : 0;
                    }
                }
            }
        }

        Tallies = tallies;
    }

    /// <summary>
    /// The series' high-load level: the <paramref name="quantile"/> of its training part (known before the test part,
    /// as a host's usual peak is), at least 0.05 so an idle series' noise is not called high load.
    /// </summary>
    internal static double HighLoadLevel(LoadSeries s, int end, double quantile)
    {
        var values = Enumerable.Range(0, end).Select(t => s[t]).Where(v => !double.IsNaN(v)).Order().ToArray();
        return values.Length == 0 ? double.PositiveInfinity : Math.Max(0.05, values[Math.Clamp((int)Math.Ceiling(quantile * values.Length) - 1, 0, values.Length - 1)]);
    }

    /// <summary>Correlation of the training part with itself one day later (0 when too short).</summary>
    internal static double DailyAutocorrelation(LoadSeries s, int end)
    {
        var lag = s.PeriodsPerDay;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        var n = 0;
        for (var t = lag; t < end; t++)
        {
            var x = s[t - lag];
            var y = s[t];
            if (double.IsNaN(x) || double.IsNaN(y))
            {
                continue;
            }

            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
        }

        if (n < lag)
        {
            return 0;
        }

        var cov = (sxy / n) - (sx / n * (sy / n));
        var vx = (sxx / n) - (sx / n * (sx / n));
        var vy = (syy / n) - (sy / n * (sy / n));
        return vx <= 1e-12 || vy <= 1e-12 ? 0 : cov / Math.Sqrt(vx * vy);
    }
}
