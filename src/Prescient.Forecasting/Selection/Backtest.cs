using Prescient.Forecasting.Models;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Selection;

/// <summary>Rolling-origin forecasts of one model over a stretch of a series.</summary>
public static class Backtest
{
    /// <summary>
    /// The model's forecasts from every origin in [from, to) over <paramref name="horizon"/> steps: result[origin -
    /// from] (null where it gives none). An online model learns each period once it is measured (after the forecast
    /// made at its own origin) when <paramref name="learn"/> is set.
    /// </summary>
    public static double[]?[] Run(IForecastModel model, LoadSeries series, int from, int to, int horizon, bool learn = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(series);
        if (TreeModel.Unwrap(model) is var (tree, hostMean))
        {
            return tree.ForecastRange(series, from, to, horizon, hostMean);
        }

        var online = learn ? model as IOnlineForecastModel : null;
        var result = new double[]?[Math.Max(0, to - from)];
        var buffer = new double[horizon];
        for (var origin = from; origin < to; origin++)
        {
            if (model.TryForecast(series, origin, buffer))
            {
                result[origin - from] = [.. buffer];
            }

            online?.Learn(series, origin);
        }

        return result;
    }

    /// <summary>
    /// Residuals (measured - forecast) per step of the forecasts <paramref name="forecasts"/> made from origins
    /// [from, from + forecasts.Length), for targets before <paramref name="until"/> only.
    /// </summary>
    public static List<double>[] Residuals(LoadSeries series, double[]?[] forecasts, int from, int until, int horizon)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(forecasts);
        var result = new List<double>[horizon];
        for (var h = 0; h < horizon; h++)
        {
            result[h] = [];
        }

        for (var i = 0; i < forecasts.Length; i++)
        {
            if (forecasts[i] is not { } f)
            {
                continue;
            }

            for (var h = 0; h < horizon && h < f.Length; h++)
            {
                var target = from + i + h;
                if (target < until && !double.IsNaN(series[target]))
                {
                    result[h].Add(series[target] - f[h]);
                }
            }
        }

        return result;
    }
}
