namespace Prescient.Simulation.Traces;

/// <summary>Jaggedness added to a smooth shape: level-dependent AR(1) noise and short spikes.</summary>
/// <param name="NoiseSd">Standard deviation of the noise at full load (it scales with 0.25 + level).</param>
/// <param name="NoiseCorrelation">AR(1) coefficient between consecutive samples (0 = white noise).</param>
/// <param name="SpikesPerHour">Mean number of spikes per hour while the level is above 0.1.</param>
/// <param name="SpikeHeight">Mean height of a spike (uniform between half and 1.5 times this).</param>
/// <param name="SpikeDuration">Mean length of a spike (uniform between half and 1.5 times this).</param>
public sealed record NoiseOptions(
    double NoiseSd = 0.02,
    double NoiseCorrelation = 0.6,
    double SpikesPerHour = 0.6,
    double SpikeHeight = 0.08,
    TimeSpan SpikeDuration = default)
{
    public static NoiseOptions None { get; } = new(0, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan EffectiveSpikeDuration => SpikeDuration > TimeSpan.Zero ? SpikeDuration : TimeSpan.FromMinutes(4);
}

/// <summary>A smooth daily shape: a night level and a bell around the peak hour; weekends scaled.</summary>
public sealed record DiurnalProfile(
    double Night = 0.1,
    double Peak = 0.6,
    double PeakHour = 14,
    double WidthHours = 3.5,
    double WeekendFactor = 0.5)
{
    public double LevelAt(DateOnly date, double hour)
    {
        var d = Math.Abs(hour - PeakHour);
        d = Math.Min(d, 24 - d);
        var amplitude = (Peak - Night) * (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? WeekendFactor : 1);
        return Night + (amplitude * Math.Exp(-0.5 * (d / WidthHours) * (d / WidthHours)));
    }
}

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
