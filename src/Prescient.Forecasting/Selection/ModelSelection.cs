using Prescient.Forecasting.Models;

namespace Prescient.Forecasting.Selection;

/// <summary>
/// A model's absolute errors on held-out targets, per step ahead, aligned across the models compared (the same
/// target at the same index; NaN where the model made no forecast).
/// </summary>
/// <param name="Model">The model's name.</param>
/// <param name="AbsoluteErrors">[step][target] absolute errors.</param>
public sealed record ModelErrors(string Model, IReadOnlyList<double[]> AbsoluteErrors)
{
    /// <summary>Mean absolute error per step (NaN where there is none).</summary>
    public double[] Mae => [.. AbsoluteErrors.Select(Mean)];

    private static double Mean(double[] errors)
    {
        double sum = 0;
        var n = 0;
        foreach (var e in errors)
        {
            if (!double.IsNaN(e))
            {
                sum += e;
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }
}

/// <summary>
/// Per-host model selection, per step ahead: the model whose held-out absolute errors are lower than last value's
/// on the same targets by a margin larger than the noise of that difference (mean paired gain above
/// <see cref="NoiseMultiple"/> standard errors), the largest such gain winning; otherwise last value. A model must
/// have forecast at least 90 % of the targets last value forecast. So the chosen model is never worse than last value
/// on validation, and a model that only won by chance on a quiet day is not picked.
/// </summary>
public static class ModelSelection
{
    /// <summary>Standard errors the mean gain over last value must exceed.</summary>
    public const double NoiseMultiple = 1.0;

    /// <summary>The chosen model of each step (last value where nothing beats it, or when last value has no errors).</summary>
    public static string[] Choose(IReadOnlyList<ModelErrors> errors, int steps)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var chosen = new string[steps];
        Array.Fill(chosen, ModelNames.LastValue);
        var last = errors.FirstOrDefault(e => e.Model == ModelNames.LastValue);
        if (last is null)
        {
            return chosen;
        }

        for (var k = 0; k < steps && k < last.AbsoluteErrors.Count; k++)
        {
            var baseline = last.AbsoluteErrors[k];
            var baselineCount = baseline.Count(e => !double.IsNaN(e));
            var bestGain = 0.0;
            foreach (var candidate in errors)
            {
                if (candidate.Model == ModelNames.LastValue || k >= candidate.AbsoluteErrors.Count)
                {
                    continue;
                }

                var c = candidate.AbsoluteErrors[k];
                double sum = 0, sumSq = 0;
                var n = 0;
                for (var i = 0; i < Math.Min(c.Length, baseline.Length); i++)
                {
                    if (!double.IsNaN(c[i]) && !double.IsNaN(baseline[i]))
                    {
                        var d = baseline[i] - c[i];
                        sum += d;
                        sumSq += d * d;
                        n++;
                    }
                }

                if (n < Math.Max(2, 0.9 * baselineCount))
                {
                    continue;
                }

                var mean = sum / n;
                var variance = Math.Max(0, (sumSq / n) - (mean * mean)) * n / (n - 1);
                var standardError = Math.Sqrt(variance / n);
                if (mean > bestGain && mean > NoiseMultiple * standardError)
                {
                    bestGain = mean;
                    chosen[k] = candidate.Model;
                }
            }
        }

        return chosen;
    }
}
