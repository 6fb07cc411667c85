using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Planning;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Series;
using Prescient.Forecasting.Selection;

namespace Prescient.Forecasting.Hosts;

/// <summary>
/// A host's stored forecasting state made usable: the models of its bundle (the network restored from its snapshot,
/// the fleet tree when given) and, per step ahead, the selected model and its conformal band.
/// </summary>
public sealed class HostForecaster
{
    private readonly Dictionary<string, IForecastModel> _models = new(StringComparer.Ordinal);

    /// <summary>Restores a host's forecaster.</summary>
    /// <param name="bundle">The stored bundle.</param>
    /// <param name="categories">The host's day categories (the network's input).</param>
    /// <param name="tree">The fleet tree model of <see cref="ForecastBundle.TreeVersion"/> (null: not available; its steps fall back to last value).</param>
    /// <exception cref="FormatException">The network snapshot cannot be read.</exception>
    public HostForecaster(ForecastBundle bundle, DayCategorizer categories, TreeModel? tree)
    {
        Bundle = bundle ?? throw new ArgumentNullException(nameof(bundle));
        ArgumentNullException.ThrowIfNull(categories);
        _models[ModelNames.LastValue] = LastValueModel.Instance;
        _models[ModelNames.SeasonalDay] = SeasonalNaiveModel.Day;
        _models[ModelNames.SeasonalWeek] = SeasonalNaiveModel.Week;
        if (bundle.Network is { } snapshot)
        {
            _models[ModelNames.Network] = new NetworkModel(WorkloadPredictor.FromSnapshot(snapshot, categories));
        }

        if (tree is not null)
        {
            _models[ModelNames.FastTree] = tree.ForHost(bundle.HostMean);
        }
    }

    /// <summary>The bundle.</summary>
    public ForecastBundle Bundle { get; }

    /// <summary>The model used at each step (the selected one, or last value when it is not available).</summary>
    public IReadOnlyList<string> StepModels => [.. Bundle.StepModels.Select(m => _models.ContainsKey(m) ? m : ModelNames.LastValue)];

    /// <summary>
    /// The forecast of periods origin .. origin + Horizon - 1 from the loads before <paramref name="origin"/>; null when
    /// nothing was measured shortly before it.
    /// </summary>
    public ForecastOutcome? Forecast(LoadSeries series, int origin)
    {
        ArgumentNullException.ThrowIfNull(series);
        var h = Bundle.Horizon;
        var steps = StepModels;
        var byModel = new Dictionary<string, double[]?>(StringComparer.Ordinal);
        double[]? Of(string model, int at)
        {
            var key = model + "@" + at.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!byModel.TryGetValue(key, out var f))
            {
                var buffer = new double[h];
                f = _models[model].TryForecast(series, at, buffer) ? buffer : null;
                byModel[key] = f;
            }

            return f;
        }

        if (Of(ModelNames.LastValue, origin) is not { } last)
        {
            return null;
        }

        var mean = new double[h];
        var upper = new double[h];
        for (var k = 0; k < h; k++)
        {
            var model = steps[k];
            var f = Of(model, origin);
            if (f is null)
            {
                model = ModelNames.LastValue;
                f = last;
            }

            mean[k] = f[k];
            var offset = Bundle.Track(model)?.BandOffsets[k] ?? 0;
            upper[k] = new ConformalBand(Bundle.Quantile, [offset]).Upper(mean[k], 0);
        }

        double? previousError = null;
        if (!double.IsNaN(series[origin - 1]) && Of(steps[0], origin - 1) is { } before)
        {
            previousError = Math.Abs(series[origin - 1] - before[0]);
        }

        static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
        var forecast = new HostForecast(mean, upper) { Model = steps[0], RecentError = Finite(Bundle.Track(steps[0])?.Mae[0]) };
        return new ForecastOutcome(forecast, previousError, Finite(Bundle.Track(ModelNames.LastValue)?.Mae[0]), Bundle.Quantile);
    }
}
