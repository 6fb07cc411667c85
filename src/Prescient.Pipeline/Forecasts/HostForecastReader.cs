using Prescient.Core.Calendar;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Series;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Forecasts;

/// <summary>
/// Evaluate's one call for a host's forecast: loads the host's stored bundle and the fleet tree model it was
/// validated with, reads the few stored windows the models look at (the last day and the same periods a week ago,
/// through <see cref="WindowStore"/>), and returns the selected model's mean and upper forecast of the running period
/// and the next ones, its name and recent error.
/// </summary>
public sealed class HostForecastReader(WindowStore windows, ModelStore models, FleetModelCache trees)
{
    private PeriodCalendar Calendar => windows.Calendar;

    /// <summary>
    /// The forecast from <paramref name="current"/> (the running period) on; null when the host has no readable
    /// bundle or nothing was measured in the last periods.
    /// </summary>
    /// <exception cref="FormatException">The stored bundle cannot be read.</exception>
    public async Task<ForecastOutcome?> ForecastAsync(string hostId, DayCategorizer categories, PeriodKey current, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentNullException.ThrowIfNull(categories);
        if (await models.GetCurrentAsync(hostId, cancellationToken) is not { } stored)
        {
            return null;
        }

        var bundle = ForecastBundle.FromJson(stored.Snapshot);
        var tree = bundle.TreeVersion is { } version ? await trees.GetAsync(version, categories, cancellationToken) : null;
        var series = await ReadAsync(hostId, current, bundle.Horizon, cancellationToken);
        return new HostForecaster(bundle, categories, tree).Forecast(series, series.Count);
    }

    /// <summary>
    /// A series ending just before <paramref name="current"/>, holding the last day and a bit, and the same periods a
    /// week ago (what the models read); NaN elsewhere.
    /// </summary>
    internal async Task<LoadSeries> ReadAsync(string hostId, PeriodKey current, int horizon, CancellationToken cancellationToken)
    {
        var ppd = Calendar.PeriodsPerDay;
        var length = (7 * ppd) + 2;
        var start = Step(current, -length);
        var values = new double[length];
        Array.Fill(values, double.NaN);
        var series = new LoadSeries(start, ppd, values);
        var ranges = new[]
        {
            (From: Step(current, -(ppd + 2)), To: Calendar.Previous(current)),
            (From: start, To: Step(current, -(7 * ppd) + horizon)),
        };
        foreach (var (from, to) in ranges)
        {
            foreach (var (period, count, mean) in await windows.GetMeansAsync(hostId, from, to, cancellationToken))
            {
                var t = series.IndexOf(period);
                if (count > 0 && t >= 0 && t < length)
                {
                    values[t] = mean;
                }
            }
        }

        return series;
    }

    private PeriodKey Step(PeriodKey period, int periods)
    {
        var ppd = Calendar.PeriodsPerDay;
        var offset = period.Index + periods;
        var days = (int)Math.Floor((double)offset / ppd);
        return new PeriodKey(period.Date.AddDays(days), offset - (days * ppd));
    }
}
