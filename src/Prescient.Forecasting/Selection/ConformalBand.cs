namespace Prescient.Forecasting.Selection;

/// <summary>
/// A split-conformal upper band: per step ahead, the <see cref="Quantile"/> of a model's recent signed residuals
/// (measured - forecast), added to its mean forecast. With n residuals the offset is the ceil((n + 1) q)-th smallest
/// (the largest when that is beyond n), so the band covers at least a fraction q of exchangeable future periods.
/// </summary>
/// <param name="Quantile">The quantile the upper bound stands for (0.9 by default).</param>
/// <param name="Offsets">The offset of each step ahead (index 0: the next period); never negative.</param>
public sealed record ConformalBand(double Quantile, IReadOnlyList<double> Offsets)
{
    /// <summary>The default quantile.</summary>
    public const double DefaultQuantile = 0.9;

    /// <summary>A band of no width (a point forecast) over <paramref name="horizon"/> steps.</summary>
    public static ConformalBand None(int horizon, double quantile = DefaultQuantile) => new(quantile, new double[horizon]);

    /// <summary>The upper bound of a step's mean forecast, in [mean, 1].</summary>
    public double Upper(double mean, int step) =>
        Math.Clamp(mean + (step < Offsets.Count ? Offsets[step] : Offsets[^1]), mean, Math.Max(mean, 1));

    /// <summary>A band from the residuals of each step (residuals[h]: measured - forecast at step h + 1).</summary>
    public static ConformalBand Fit(IReadOnlyList<IReadOnlyList<double>> residuals, double quantile = DefaultQuantile)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        if (!(quantile is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must be in (0, 1).");
        }

        var offsets = new double[residuals.Count];
        var buffer = new List<double>();
        for (var h = 0; h < offsets.Length; h++)
        {
            buffer.Clear();
            buffer.AddRange(residuals[h]);
            offsets[h] = OffsetOf(buffer, quantile);
        }

        return new ConformalBand(quantile, offsets);
    }

    /// <summary>The conformal offset of <paramref name="residuals"/> (sorted in place); 0 when empty.</summary>
    public static double OffsetOf(List<double> residuals, double quantile)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        if (residuals.Count == 0)
        {
            return 0;
        }

        residuals.Sort();
        var rank = (int)Math.Ceiling((residuals.Count + 1) * quantile);
        return Math.Max(0, residuals[Math.Min(rank, residuals.Count) - 1]);
    }
}
