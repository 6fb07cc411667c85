using Prescient.Core.Calendar;

namespace Prescient.Forecasting.Series;

/// <summary>
/// A host's (or a VM's) load per period: a regular run of periods from <see cref="Start"/>, each value in [0, 1] or
/// NaN when the period was not measured. Periods follow Core's calendar (every day has <see cref="PeriodsPerDay"/>
/// periods), so the period of index t is plain arithmetic.
/// </summary>
public sealed class LoadSeries
{
    /// <summary>A series over <paramref name="values"/> (not copied: the caller may append by building a new series).</summary>
    /// <exception cref="ArgumentException">A value is neither NaN nor in [0, 1].</exception>
    public LoadSeries(PeriodKey start, int periodsPerDay, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodsPerDay, 1);
        if (start.Index < 0 || start.Index >= periodsPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The start period's index must be below {periodsPerDay}.");
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsNaN(values[i]) && values[i] is < 0 or > 1)
            {
                throw new ArgumentException($"Value {i} is {values[i]}: loads are in [0, 1] (NaN: not measured).", nameof(values));
            }
        }

        Start = start;
        PeriodsPerDay = periodsPerDay;
        Values = values;
    }

    /// <summary>The first period.</summary>
    public PeriodKey Start { get; }

    /// <summary>Periods per day (72 for 20-minute periods, 288 for 5-minute steps).</summary>
    public int PeriodsPerDay { get; }

    /// <summary>The loads, NaN where not measured.</summary>
    public double[] Values { get; }

    /// <summary>Number of periods.</summary>
    public int Count => Values.Length;

    /// <summary>The load of period <paramref name="t"/>; NaN outside the series or when not measured.</summary>
    public double this[int t] => (uint)t < (uint)Values.Length ? Values[t] : double.NaN;

    /// <summary>The calendar period of index <paramref name="t"/> (negative and beyond the end too).</summary>
    public PeriodKey PeriodAt(int t)
    {
        var offset = (long)Start.Index + t;
        var days = (int)Math.Floor((double)offset / PeriodsPerDay);
        var index = (int)(offset - ((long)days * PeriodsPerDay));
        return new PeriodKey(Start.Date.AddDays(days), index);
    }

    /// <summary>The index of <paramref name="period"/> (may be outside the series).</summary>
    public int IndexOf(PeriodKey period) =>
        checked((int)((((long)period.Date.DayNumber - Start.Date.DayNumber) * PeriodsPerDay) + period.Index - Start.Index));

    /// <summary>The index of the period of day of <paramref name="t"/> (0 .. PeriodsPerDay - 1).</summary>
    public int PeriodOfDay(int t) => (int)((((long)Start.Index + t) % PeriodsPerDay + PeriodsPerDay) % PeriodsPerDay);

    /// <summary>The last measured period before <paramref name="origin"/>, looking back at most <paramref name="maxLookback"/> periods; -1 when none.</summary>
    public int LastMeasuredBefore(int origin, int maxLookback)
    {
        for (var t = origin - 1; t >= Math.Max(0, origin - maxLookback); t--)
        {
            if (t < Values.Length && !double.IsNaN(Values[t]))
            {
                return t;
            }
        }

        return -1;
    }

    /// <summary>Number of measured periods in [from, to).</summary>
    public int MeasuredCount(int from, int to)
    {
        var n = 0;
        for (var t = Math.Max(0, from); t < Math.Min(to, Values.Length); t++)
        {
            if (!double.IsNaN(Values[t]))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The mean of the measured values in [from, to) (NaN when none).</summary>
    public double MeanOf(int from, int to)
    {
        double sum = 0;
        var n = 0;
        for (var t = Math.Max(0, from); t < Math.Min(to, Values.Length); t++)
        {
            if (!double.IsNaN(Values[t]))
            {
                sum += Values[t];
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>The first <paramref name="count"/> periods (a copy).</summary>
    public LoadSeries Truncate(int count) => new(Start, PeriodsPerDay, Values[..Math.Clamp(count, 0, Values.Length)]);

    /// <summary>A series of the same periods holding only the first <paramref name="count"/> values (later ones NaN): what was known at that time.</summary>
    public LoadSeries Prefix(int count)
    {
        var values = new double[Values.Length];
        Array.Fill(values, double.NaN);
        Array.Copy(Values, values, Math.Clamp(count, 0, Values.Length));
        return new LoadSeries(Start, PeriodsPerDay, values);
    }
}
