using Prescient.Core.Network;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Models;

/// <summary>
/// The patent's network (Core's <see cref="WorkloadPredictor"/>: day category, period of day and last measured load
/// in, the period's load out) as a forecaster: several periods ahead by feeding each forecast back as the next
/// period's "last measured load". Learns online from each newly measured period (in training mode).
/// </summary>
public sealed class NetworkModel(WorkloadPredictor predictor) : IOnlineForecastModel
{
    /// <summary>The predictor (its network, mode and rolling error).</summary>
    public WorkloadPredictor Predictor { get; } = predictor ?? throw new ArgumentNullException(nameof(predictor));

    /// <inheritdoc />
    public string Name => ModelNames.Network;

    /// <inheritdoc />
    public bool TryForecast(LoadSeries series, int origin, Span<double> mean)
    {
        ArgumentNullException.ThrowIfNull(series);
        var last = series.LastMeasuredBefore(origin, ModelNames.MaxGap);
        if (last < 0 || Predictor.IsDisabled)
        {
            return false;
        }

        var input = series.Values[last];
        for (var t = last + 1; t < origin + mean.Length; t++)
        {
            var period = series.PeriodAt(t);
            if (Predictor.Predict(period.Date, period.Index, input) is not { } next)
            {
                return false;
            }

            if (t >= origin)
            {
                mean[t - origin] = next;
            }

            input = next;
        }

        return true;
    }

    /// <inheritdoc />
    public void Learn(LoadSeries series, int t)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!double.IsNaN(series[t]) && !double.IsNaN(series[t - 1]))
        {
            var period = series.PeriodAt(t);
            Predictor.Observe(new PeriodObservation(period.Date, period.Index, series[t - 1], series[t]));
        }
    }

    /// <summary>Training examples from the consecutive measured periods in [from, to).</summary>
    public static List<PeriodObservation> Observations(LoadSeries series, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(series);
        var result = new List<PeriodObservation>(Math.Max(0, to - from));
        for (var t = Math.Max(1, from); t < Math.Min(to, series.Count); t++)
        {
            if (!double.IsNaN(series.Values[t]) && !double.IsNaN(series.Values[t - 1]))
            {
                var period = series.PeriodAt(t);
                result.Add(new PeriodObservation(period.Date, period.Index, series.Values[t - 1], series.Values[t]));
            }
        }

        return result;
    }
}
