namespace Prescient.Simulation.Traces;

/// <summary>
/// A utilisation series: values in [0, 1] at increasing timestamps. <see cref="Step"/> is the nominal sampling step
/// (the real spacing of irregular traces may vary). Between samples the last value holds.
/// </summary>
public sealed class TimeSeries
{
    private readonly DateTimeOffset[] _timestamps;
    private readonly double[] _values;

    public TimeSeries(string name, IReadOnlyList<DateTimeOffset> timestamps, IReadOnlyList<double> values, TimeSpan step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(values);
        if (timestamps.Count != values.Count)
        {
            throw new ArgumentException($"Series '{name}': {timestamps.Count} timestamps but {values.Count} values.", nameof(values));
        }

        if (timestamps.Count == 0)
        {
            throw new ArgumentException($"Series '{name}' has no samples.", nameof(timestamps));
        }

        if (step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"Series '{name}': the step must be positive.");
        }

        _timestamps = [.. timestamps];
        _values = [.. values];
        for (var i = 0; i < _values.Length; i++)
        {
            var v = _values[i];
            if (double.IsNaN(v) || double.IsInfinity(v) || v < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(values), v, $"Series '{name}': sample {i} is {v}; values must be finite and not negative.");
            }

            if (i > 0 && _timestamps[i] <= _timestamps[i - 1])
            {
                throw new ArgumentException($"Series '{name}': timestamp {i} ({_timestamps[i]:O}) is not after the previous one.", nameof(timestamps));
            }
        }

        Name = name;
        Step = step;
    }

    public string Name { get; }

    public TimeSpan Step { get; }

    public int Count => _values.Length;

    public IReadOnlyList<DateTimeOffset> Timestamps => _timestamps;

    public IReadOnlyList<double> Values => _values;

    public DateTimeOffset Start => _timestamps[0];

    /// <summary>The end of the last sample's step.</summary>
    public DateTimeOffset End => _timestamps[^1] + Step;

    /// <summary>A regular series from <paramref name="start"/> every <paramref name="step"/>.</summary>
    public static TimeSeries Regular(string name, DateTimeOffset start, TimeSpan step, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var ts = new DateTimeOffset[values.Count];
        for (var i = 0; i < ts.Length; i++)
        {
            ts[i] = start + (step * i);
        }

        return new TimeSeries(name, ts, values, step);
    }

    /// <summary>The value in force at <paramref name="time"/> (the last sample at or before it; the first before the start).</summary>
    public double ValueAt(DateTimeOffset time)
    {
        var i = Array.BinarySearch(_timestamps, time);
        if (i < 0)
        {
            i = ~i - 1;
        }

        return _values[Math.Clamp(i, 0, _values.Length - 1)];
    }

    /// <summary>Means over regular buckets of <paramref name="step"/> from <paramref name="start"/>; empty buckets keep the previous value.</summary>
    public TimeSeries Resample(DateTimeOffset start, TimeSpan step, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var sums = new double[count];
        var counts = new int[count];
        for (var i = 0; i < _values.Length; i++)
        {
            var b = (long)Math.Floor((_timestamps[i] - start) / step);
            if (b >= 0 && b < count)
            {
                sums[b] += _values[i];
                counts[b]++;
            }
        }

        var result = new double[count];
        var last = ValueAt(start);
        for (var b = 0; b < count; b++)
        {
            last = counts[b] > 0 ? sums[b] / counts[b] : (b == 0 ? last : result[b - 1]);
            result[b] = last;
        }

        return Regular(Name, start, step, result);
    }

    /// <summary>This series with every value multiplied by <paramref name="factor"/>.</summary>
    public TimeSeries Scale(double factor) => new(Name, _timestamps, [.. _values.Select(v => v * factor)], Step);

    /// <summary>This series moved in time so that it starts at <paramref name="start"/>.</summary>
    public TimeSeries ShiftTo(DateTimeOffset start)
    {
        var delta = start - Start;
        return new TimeSeries(Name, [.. _timestamps.Select(t => t + delta)], _values, Step);
    }
}
