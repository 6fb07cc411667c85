using Prescient.Core.Calendar;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
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
    /// <see cref="ForecastAsync(string, DayCategorizer, PeriodKey, CancellationToken)"/> for many hosts whose bundles
    /// are already read: the windows the models look at are read for all of them in two queries per window partition
    /// (the last day, and the same periods a week ago), not two per host. Hosts with nothing measured are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ForecastOutcome>> ForecastAsync(
        IReadOnlyDictionary<string, ForecastBundle> bundles, DayCategorizer categories, PeriodKey current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        ArgumentNullException.ThrowIfNull(categories);
        var result = new Dictionary<string, ForecastOutcome>(StringComparer.Ordinal);
        if (bundles.Count == 0)
        {
            return result;
        }

        var horizon = bundles.Values.Max(b => b.Horizon);
        var hostIds = bundles.Keys.ToList();
        var reads = Ranges(current, horizon)
            .Select(r => windows.GetMeansAsync(hostIds, r.From, r.To, cancellationToken))
            .ToList();
        await Task.WhenAll(reads);
        var treeModels = new Dictionary<string, TreeModel?>(StringComparer.Ordinal);
        foreach (var version in bundles.Values.Select(b => b.TreeVersion).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            treeModels[version] = await trees.GetAsync(version, categories, cancellationToken);
        }

        foreach (var (hostId, bundle) in bundles)
        {
            var series = Series(current, reads.SelectMany(r => r.Result[hostId]));
            var tree = bundle.TreeVersion is { } version ? treeModels[version] : null;
            if (new HostForecaster(bundle, categories, tree).Forecast(series, series.Count) is { } outcome)
            {
                result[hostId] = outcome;
            }
        }

        return result;
    }

    /// <summary>
    /// A series ending just before <paramref name="current"/>, holding the last day and a bit, and the same periods a
    /// week ago (what the models read); NaN elsewhere.
    /// </summary>
    internal async Task<LoadSeries> ReadAsync(string hostId, PeriodKey current, int horizon, CancellationToken cancellationToken)
    {
        var means = new List<(PeriodKey Period, int Count, double Mean)>();
        foreach (var (from, to) in Ranges(current, horizon))
        {
            means.AddRange(await windows.GetMeansAsync(hostId, from, to, cancellationToken));
        }

        return Series(current, means);
    }

    /// <summary>The periods the models read: the last day and a bit, and the same periods a week ago.</summary>
    private (PeriodKey From, PeriodKey To)[] Ranges(PeriodKey current, int horizon)
    {
        var ppd = Calendar.PeriodsPerDay;
        return
        [
            (Step(current, -(ppd + 2)), Calendar.Previous(current)),
            (Step(current, -SeriesLength), Step(current, -(7 * ppd) + horizon)),
        ];
    }

    private int SeriesLength => (7 * Calendar.PeriodsPerDay) + 2;

    private LoadSeries Series(PeriodKey current, IEnumerable<(PeriodKey Period, int Count, double Mean)> means)
    {
        var length = SeriesLength;
        var values = new double[length];
        Array.Fill(values, double.NaN);
        var series = new LoadSeries(Step(current, -length), Calendar.PeriodsPerDay, values);
        foreach (var (period, count, mean) in means)
        {
            var t = series.IndexOf(period);
            if (count > 0 && t >= 0 && t < length)
            {
                values[t] = mean;
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
