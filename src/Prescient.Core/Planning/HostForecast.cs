using Prescient.Core.Workload;

namespace Prescient.Core.Planning;

/// <summary>
/// A host's forecast for the coming periods, as fractions of its CPU capacity: the mean and an upper quantile per
/// period, index 0 being the period that has just started. Produced by the selected model of the host.
/// </summary>
/// <param name="Mean">Expected load per period, each in [0, 1].</param>
/// <param name="Upper">Upper quantile (for example the 90th) per period, each in [0, 1] and at least the mean; same length as <paramref name="Mean"/>.</param>
public sealed record HostForecast(IReadOnlyList<double> Mean, IReadOnlyList<double> Upper)
{
    /// <summary>The expected loads.</summary>
    public IReadOnlyList<double> Mean { get; init; } = Validate(Mean, nameof(Mean));

    /// <summary>The upper quantile.</summary>
    public IReadOnlyList<double> Upper { get; init; } = Validate(Upper, nameof(Upper)).Count == Mean.Count
        ? Upper
        : throw new ArgumentException("The upper quantile needs one value per period of the mean.", nameof(Upper));

    /// <summary>The model that produced it (for the decision record), if known.</summary>
    public string? Model { get; init; }

    /// <summary>The model's recent mean absolute error, if known.</summary>
    public double? RecentError { get; init; }

    /// <summary>A forecast without a separate quantile: the upper is the mean.</summary>
    public static HostForecast FromMean(IReadOnlyList<double> mean) => new(mean, mean);

    /// <summary>The highest upper value over the first <paramref name="periods"/> periods.</summary>
    public double UpperPeak(int periods)
    {
        var peak = 0.0;
        for (var i = 0; i < Math.Min(periods, Upper.Count); i++)
        {
            peak = Math.Max(peak, Math.Max(Upper[i], Mean[i]));
        }

        return peak;
    }

    private static IReadOnlyList<double> Validate(IReadOnlyList<double>? values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count == 0)
        {
            throw new ArgumentException("A forecast needs at least one period.", name);
        }

        for (var i = 0; i < values.Count; i++)
        {
            Utilisation.Validate(values[i], $"{name}[{i}]");
        }

        return values;
    }
}
