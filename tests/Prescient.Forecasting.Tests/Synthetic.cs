using Prescient.Core.Calendar;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Tests;

internal static class Synthetic
{
    public static readonly PeriodKey Start = new(new DateOnly(2026, 1, 5), 0);

    /// <summary>A daily cycle (peak <paramref name="amplitude"/> above 0.45 at a phase) plus uniform noise.</summary>
    public static LoadSeries Diurnal(int days, double noise = 0.02, int seed = 5, double phase = 0, double amplitude = 0.3)
    {
        var rng = new Random(seed);
        var values = new double[days * 72];
        for (var t = 0; t < values.Length; t++)
        {
            values[t] = Math.Clamp(0.45 + (amplitude * Math.Sin((2 * Math.PI * (t % 72) / 72.0) + phase)) + (noise * (rng.NextDouble() - 0.5)), 0, 1);
        }

        return new LoadSeries(Start, 72, values);
    }

    /// <summary>A random walk (no daily pattern).</summary>
    public static LoadSeries Walk(int days, int seed = 3)
    {
        var rng = new Random(seed);
        var values = new double[days * 72];
        var x = 0.5;
        for (var t = 0; t < values.Length; t++)
        {
            x = Math.Clamp(x + (0.04 * (rng.NextDouble() - 0.5)), 0.05, 0.95);
            values[t] = x;
        }

        return new LoadSeries(Start, 72, values);
    }
}
