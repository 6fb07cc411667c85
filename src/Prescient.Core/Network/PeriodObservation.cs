using Prescient.Core.Calendar;

namespace Prescient.Core.Network;

/// <summary>
/// One measured period as a training example: the workload measured in the period before (the network's third
/// input) and the period's own measured workload (the target).
/// </summary>
public readonly record struct PeriodObservation(DateOnly Date, int Period, double PreviousWorkload, double Workload)
{
    /// <summary>
    /// Observations from a series of measured periods: each period is paired with the last measured one before it
    /// (the first period has no predecessor and yields no observation). Periods are sorted first; a repeated period
    /// is an error.
    /// </summary>
    /// <exception cref="ArgumentException">A period appears twice.</exception>
    public static IReadOnlyList<PeriodObservation> FromSeries(IEnumerable<(PeriodKey Period, double Workload)> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var sorted = series.OrderBy(s => s.Period).ToList();
        var result = new List<PeriodObservation>(Math.Max(0, sorted.Count - 1));
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Period == sorted[i - 1].Period)
            {
                throw new ArgumentException($"Period {sorted[i].Period} appears twice in the series.", nameof(series));
            }

            result.Add(new PeriodObservation(sorted[i].Period.Date, sorted[i].Period.Index, sorted[i - 1].Workload, sorted[i].Workload));
        }

        return result;
    }
}
