using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Planning;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Online;

/// <summary>How an <see cref="OnlineForecaster"/> works.</summary>
public sealed record OnlineForecasterOptions
{
    /// <summary>Steps ahead (at least a migration's duration in periods).</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>The upper band's quantile.</summary>
    public double Quantile { get; init; } = ConformalBand.DefaultQuantile;

    /// <summary>Residuals per model and step the band is the quantile of.</summary>
    public int BandPeriods { get; init; } = 216;

    /// <summary>Trailing periods the selection compares models on.</summary>
    public int SelectionPeriods { get; init; } = 72;

    /// <summary>Bands and selection are refreshed every this many periods.</summary>
    public int RefreshPeriods { get; init; } = 3;

    /// <summary>The network (the retrain function's by default).</summary>
    public NetworkOptions Network { get; init; } = HostTrainingOptions.DefaultNetwork;
}

/// <summary>
/// The product's forecasting for one series fed period by period (a VM or a host in the simulator): last value,
/// seasonal naive, the patent's network learning online (carried from one day to the next as long as the forecaster
/// lives) and, when given, a pooled tree model; every model's forecasts are kept until their targets are measured,
/// each gets a conformal band from its trailing residuals, and the selection (per step, last value unless a model
/// beats it beyond the noise) is refreshed every few periods, as the retrain function does. Not thread-safe.
/// </summary>
public sealed class OnlineForecaster
{
    private readonly OnlineForecasterOptions _options;
    private readonly List<IForecastModel> _models;
    private readonly NetworkModel _network;
    private readonly List<double> _values = [];
    private readonly Dictionary<int, double[]?[]> _made = [];
    private readonly List<double>[][] _residuals;
    private readonly List<double>[][] _absolute;
    private string[] _chosen;
    private double[][] _offsets;
    private PeriodKey? _start;
    private LoadSeries? _series;

    /// <summary>A forecaster for a series with <paramref name="periodsPerDay"/> periods a day.</summary>
    public OnlineForecaster(int periodsPerDay, DayCategorizer categories, OnlineForecasterOptions? options = null, ulong seed = 1, TreeModel? tree = null, double treeHostMean = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(categories);
        _options = options ?? new OnlineForecasterOptions();
        PeriodsPerDay = periodsPerDay;
        _network = new NetworkModel(new WorkloadPredictor(
            new PredictorOptions { Network = _options.Network with { Seed = seed }, TrainingDeadlinePeriods = int.MaxValue }, categories, periodsPerDay));
        _models = [LastValueModel.Instance, SeasonalNaiveModel.Day, SeasonalNaiveModel.Week, _network];
        if (tree is not null)
        {
            _models.Add(tree.ForHost(treeHostMean));
        }

        var h = _options.Horizon;
        _residuals = [.. _models.Select(_ => Enumerable.Range(0, h).Select(_ => new List<double>()).ToArray())];
        _absolute = [.. _models.Select(_ => Enumerable.Range(0, h).Select(_ => new List<double>()).ToArray())];
        _chosen = Enumerable.Repeat(ModelNames.LastValue, h).ToArray();
        _offsets = [.. _models.Select(_ => new double[h])];
    }

    /// <summary>Periods per day.</summary>
    public int PeriodsPerDay { get; }

    /// <summary>Periods observed.</summary>
    public int Count => _values.Count;

    /// <summary>The model chosen for each step ahead now.</summary>
    public IReadOnlyList<string> StepModels => _chosen;

    /// <summary>
    /// Records the load of <paramref name="period"/> (later than the last one; skipped periods count as not
    /// measured): scores the forecasts made for it, lets the network learn it, and refreshes bands and selection when due.
    /// </summary>
    public void Observe(PeriodKey period, double load)
    {
        if (_start is null)
        {
            _start = period;
        }

        var probe = new LoadSeries(_start.Value, PeriodsPerDay, []);
        var t = probe.IndexOf(period);
        if (t < _values.Count)
        {
            throw new ArgumentException($"Period {period} is not after the last observed one.", nameof(period));
        }

        while (_values.Count < t)
        {
            _values.Add(double.NaN);
        }

        _values.Add(double.IsNaN(load) ? double.NaN : Math.Clamp(load, 0, 1));
        _series = new LoadSeries(_start.Value, PeriodsPerDay, [.. _values]);
        Score(t);
        _network.Learn(_series, t);
        if (t % _options.RefreshPeriods == 0)
        {
            Refresh();
        }
    }

    /// <summary>The forecast of the next <see cref="OnlineForecasterOptions.Horizon"/> periods (null before any measurement).</summary>
    public ForecastOutcome? Forecast()
    {
        if (_series is null)
        {
            return null;
        }

        var origin = _series.Count;
        var h = _options.Horizon;
        var made = new double[]?[_models.Count];
        for (var m = 0; m < _models.Count; m++)
        {
            var f = new double[h];
            made[m] = _models[m].TryForecast(_series, origin, f) ? f : null;
        }

        _made[origin] = made;
        _made.Remove(origin - h - 1);
        if (made[0] is not { } last)
        {
            return null;
        }

        var mean = new double[h];
        var upper = new double[h];
        for (var k = 0; k < h; k++)
        {
            var m = _models.FindIndex(x => x.Name == _chosen[k]);
            var f = m >= 0 && made[m] is { } chosen ? chosen : last;
            m = f == last ? 0 : m;
            mean[k] = f[k];
            upper[k] = Math.Clamp(mean[k] + _offsets[m][k], mean[k], Math.Max(mean[k], 1));
        }

        var lastIndex = _models.FindIndex(x => x.Name == _chosen[0]);
        static double? Mae(List<double> errors) => errors.Count == 0 ? null : errors.Average();
        var forecast = new HostForecast(mean, upper) { Model = _chosen[0], RecentError = Mae(_absolute[Math.Max(0, lastIndex)][0]) };
        return new ForecastOutcome(forecast, null, Mae(_absolute[0][0]), _options.Quantile);
    }

    private void Score(int t)
    {
        var y = _values[t];
        if (double.IsNaN(y))
        {
            return;
        }

        for (var k = 0; k < _options.Horizon; k++)
        {
            if (!_made.TryGetValue(t - k, out var made))
            {
                continue;
            }

            for (var m = 0; m < _models.Count; m++)
            {
                if (made[m] is { } f)
                {
                    Push(_residuals[m][k], y - f[k], _options.BandPeriods);
                    Push(_absolute[m][k], Math.Abs(y - f[k]), _options.SelectionPeriods);
                }
            }
        }
    }

    private static void Push(List<double> list, double value, int keep)
    {
        list.Add(value);
        if (list.Count > keep)
        {
            list.RemoveAt(0);
        }
    }

    private void Refresh()
    {
        var h = _options.Horizon;
        var errors = new List<ModelErrors>();
        for (var m = 0; m < _models.Count; m++)
        {
            for (var k = 0; k < h; k++)
            {
                _offsets[m][k] = ConformalBand.OffsetOf([.. _residuals[m][k]], _options.Quantile);
            }

            // Aligned by recency: each model scored the same targets since it forecast every period last value did.
            errors.Add(new ModelErrors(_models[m].Name, [.. Enumerable.Range(0, h).Select(k => AlignRight(_absolute[m][k], _absolute[0][k].Count))]));
        }

        _chosen = ModelSelection.Choose(errors, h);
    }

    private static double[] AlignRight(List<double> values, int length)
    {
        var result = new double[length];
        Array.Fill(result, double.NaN);
        for (var i = 0; i < Math.Min(length, values.Count); i++)
        {
            result[length - 1 - i] = values[values.Count - 1 - i];
        }

        return result;
    }
}
