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

/// <summary>What <see cref="WorkloadPredictor.Observe"/> did.</summary>
/// <param name="Predicted">The prediction for the period made before learning from it (null when disabled).</param>
/// <param name="AbsoluteError">|measured - predicted| (null when disabled).</param>
/// <param name="Trained">Whether the weights were updated (training mode only).</param>
public readonly record struct ObservationResult(double? Predicted, double? AbsoluteError, bool Trained);

/// <summary>The outcome of bulk training.</summary>
/// <param name="Epochs">Passes over the history.</param>
/// <param name="Samples">Observations in the history.</param>
/// <param name="MeanAbsoluteError">Mean absolute error over the history after training.</param>
public sealed record TrainingReport(int Epochs, int Samples, double MeanAbsoluteError);
