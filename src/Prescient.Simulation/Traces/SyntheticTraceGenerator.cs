namespace Prescient.Simulation.Traces;

/// <summary>Seedable synthetic utilisation traces: a daily/weekly shape plus noise and short spikes.</summary>
public static class SyntheticTraceGenerator
{
    /// <summary>A trace following <paramref name="profile"/> for <paramref name="days"/> days from <paramref name="start"/>.</summary>
    public static TimeSeries Diurnal(string name, DateTimeOffset start, int days, TimeSpan step, DiurnalProfile profile, NoiseOptions noise, int seed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return FromShape(name, start, days, step, profile.LevelAt, noise, seed);
    }

    /// <summary>
    /// A trace following <paramref name="level"/>(date, hour of day) for <paramref name="days"/> days, with noise and
    /// spikes drawn from <paramref name="seed"/>; values clamped to [0, <paramref name="max"/>].
    /// </summary>
    public static TimeSeries FromShape(
        string name, DateTimeOffset start, int days, TimeSpan step, Func<DateOnly, double, double> level, NoiseOptions noise, int seed, double max = 1.0)
    {
        ArgumentNullException.ThrowIfNull(level);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        if (step <= TimeSpan.Zero || step > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be between 0 and 1 hour.");
        }

        var rng = new Random(seed);
        var count = (int)(TimeSpan.FromDays(days) / step);
        var values = new double[count];
        var ar = 0.0;
        var spikeLeft = 0;
        var spikeHeight = 0.0;
        var spikeProbability = noise.SpikesPerHour * step.TotalHours;
        var innovation = noise.NoiseSd * Math.Sqrt(1 - (noise.NoiseCorrelation * noise.NoiseCorrelation));
        for (var i = 0; i < count; i++)
        {
            var t = start + (step * i);
            var date = DateOnly.FromDateTime(t.DateTime);
            var hour = t.TimeOfDay.TotalHours;
            var baseLevel = level(date, hour);
            ar = (noise.NoiseCorrelation * ar) + (innovation * Gaussian(rng));
            if (spikeLeft > 0)
            {
                spikeLeft--;
            }
            else if (baseLevel > 0.1 && rng.NextDouble() < spikeProbability)
            {
                spikeHeight = noise.SpikeHeight * (0.5 + rng.NextDouble());
                var duration = noise.EffectiveSpikeDuration * (0.5 + rng.NextDouble());
                spikeLeft = Math.Max(1, (int)Math.Round(duration / step));
            }

            var v = baseLevel + (ar * (0.25 + baseLevel)) + (spikeLeft > 0 ? spikeHeight : 0);
            values[i] = Math.Clamp(v, 0, max);
        }

        return TimeSeries.Regular(name, start, step, values);
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    internal static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
