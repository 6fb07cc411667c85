using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Models;

/// <summary>
/// A mean forecaster: the load of the periods from <c>origin</c> on, from the values before <c>origin</c> only.
/// </summary>
public interface IForecastModel
{
    /// <summary>The model's name (see <see cref="ModelNames"/>).</summary>
    string Name { get; }

    /// <summary>
    /// Writes the mean load of periods origin .. origin + mean.Length - 1 (each in [0, 1]); false when the model
    /// cannot forecast there (no period measured shortly before <paramref name="origin"/>).
    /// </summary>
    bool TryForecast(LoadSeries series, int origin, Span<double> mean);
}

/// <summary>A model that keeps learning: told each newly measured period, in order.</summary>
public interface IOnlineForecastModel : IForecastModel
{
    /// <summary>Learns from period <paramref name="t"/> of <paramref name="series"/> (measured now; earlier ones already seen).</summary>
    void Learn(LoadSeries series, int t);
}

/// <summary>The models' names, as stored and shown.</summary>
public static class ModelNames
{
    /// <summary>The last measured period's load, for every period ahead (persistence).</summary>
    public const string LastValue = "last-value";

    /// <summary>The same period yesterday.</summary>
    public const string SeasonalDay = "seasonal-day";

    /// <summary>The same period a week ago.</summary>
    public const string SeasonalWeek = "seasonal-week";

    /// <summary>The patent's 3-20-1 network (day category, period of day, last measured load).</summary>
    public const string Network = "network";

    /// <summary>ML.NET FastTree on lag and calendar features, pooled over a fleet.</summary>
    public const string FastTree = "fasttree";

    /// <summary>The periods before the origin searched for the last measured load.</summary>
    public const int MaxGap = 3;
}

/// <summary>The last measured load, for every period ahead.</summary>
public sealed class LastValueModel : IForecastModel
{
    /// <summary>The one instance (stateless).</summary>
    public static LastValueModel Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ModelNames.LastValue;

    /// <inheritdoc />
    public bool TryForecast(LoadSeries series, int origin, Span<double> mean)
    {
        ArgumentNullException.ThrowIfNull(series);
        var last = series.LastMeasuredBefore(origin, ModelNames.MaxGap);
        if (last < 0)
        {
            return false;
        }

        mean.Fill(series.Values[last]);
        return true;
    }
}

/// <summary>The same period <paramref name="days"/> days before; the last measured load where that is missing.</summary>
public sealed class SeasonalNaiveModel(int days) : IForecastModel
{
    /// <summary>Same period yesterday.</summary>
    public static SeasonalNaiveModel Day { get; } = new(1);

    /// <summary>Same period last week.</summary>
    public static SeasonalNaiveModel Week { get; } = new(7);

    /// <inheritdoc />
    public string Name => days == 1 ? ModelNames.SeasonalDay : days == 7 ? ModelNames.SeasonalWeek : $"seasonal-{days}d";

    /// <inheritdoc />
    public bool TryForecast(LoadSeries series, int origin, Span<double> mean)
    {
        ArgumentNullException.ThrowIfNull(series);
        var last = series.LastMeasuredBefore(origin, ModelNames.MaxGap);
        if (last < 0)
        {
            return false;
        }

        var lag = days * series.PeriodsPerDay;
        for (var h = 0; h < mean.Length; h++)
        {
            var source = origin + h - lag;
            var v = source < origin ? series[source] : double.NaN;
            mean[h] = double.IsNaN(v) ? series.Values[last] : v;
        }

        return true;
    }
}
