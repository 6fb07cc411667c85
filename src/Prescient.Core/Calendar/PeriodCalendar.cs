namespace Prescient.Core.Calendar;

/// <summary>
/// Splits local days of a host's time zone into equal periods (20 minutes by default: periods 0..71).
/// </summary>
/// <remarks>
/// Periods follow the wall clock: a period's index is the local time of day divided by the period length, so every
/// day has <see cref="PeriodsPerDay"/> periods. On a day when clocks go forward, the periods inside the skipped hour
/// have no duration (they start and end at the transition); on a day when clocks go back, the repeated hour's
/// instants fall into the same periods as the first pass (those periods hold more samples).
/// </remarks>
public sealed class PeriodCalendar
{
    /// <summary>The patent's period length.</summary>
    public static readonly TimeSpan DefaultPeriodLength = TimeSpan.FromMinutes(20);

    /// <summary>A calendar with 20-minute periods in UTC.</summary>
    public static PeriodCalendar Default { get; } = new(DefaultPeriodLength, TimeZoneInfo.Utc);

    /// <summary>Creates a calendar.</summary>
    /// <param name="periodLength">At least one minute, whole minutes, dividing a day evenly.</param>
    /// <param name="timeZone">The host's time zone; local midnight starts period 0.</param>
    public PeriodCalendar(TimeSpan periodLength, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        if (periodLength < TimeSpan.FromMinutes(1) || periodLength > TimeSpan.FromDays(1) ||
            periodLength.Ticks % TimeSpan.TicksPerMinute != 0 || TimeSpan.TicksPerDay % periodLength.Ticks != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(periodLength), periodLength,
                "The period length must be whole minutes between 1 minute and 24 hours that divide a day evenly " +
                "(for example 10, 15, 20 or 30 minutes).");
        }

        PeriodLength = periodLength;
        TimeZone = timeZone;
        PeriodsPerDay = (int)(TimeSpan.TicksPerDay / periodLength.Ticks);
    }

    /// <summary>Creates a calendar with 20-minute periods in <paramref name="timeZone"/>.</summary>
    public PeriodCalendar(TimeZoneInfo timeZone) : this(DefaultPeriodLength, timeZone)
    {
    }

    /// <summary>The length of every period on the wall clock.</summary>
    public TimeSpan PeriodLength { get; }

    /// <summary>The host's time zone.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Periods in a day (72 for 20-minute periods).</summary>
    public int PeriodsPerDay { get; }

    /// <summary>The local period containing <paramref name="instant"/>.</summary>
    public PeriodKey PeriodOf(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;
        var index = (int)(local.TimeOfDay.Ticks / PeriodLength.Ticks);
        return new PeriodKey(DateOnly.FromDateTime(local), index);
    }

    /// <summary>
    /// The first instant of <paramref name="period"/>. In an ambiguous hour (clocks going back) the earlier instant is
    /// taken; inside a skipped hour (clocks going forward) the instant the clocks jumped.
    /// </summary>
    public DateTimeOffset StartOf(PeriodKey period)
    {
        EnsureIndex(period);
        var local = period.Date.ToDateTime(TimeOnly.MinValue) + PeriodLength * period.Index;
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        TimeSpan offset;
        if (TimeZone.IsAmbiguousTime(local))
        {
            offset = TimeZone.GetAmbiguousTimeOffsets(local).Max();
        }
        else
        {
            offset = TimeZone.GetUtcOffset(local);
        }

        return new DateTimeOffset(local, offset);
    }

    /// <summary>The instant <paramref name="period"/> ends (the start of the next one).</summary>
    public DateTimeOffset EndOf(PeriodKey period) => StartOf(Next(period));

    /// <summary>
    /// The last instant a sample can still fall into <paramref name="period"/>: its end, or, when the end's wall-clock
    /// time occurs twice (clocks going back), the second occurrence. Windows must not close before it.
    /// </summary>
    public DateTimeOffset FinalEndOf(PeriodKey period)
    {
        var next = Next(period);
        var local = next.Date.ToDateTime(TimeOnly.MinValue) + PeriodLength * next.Index;
        return TimeZone.IsAmbiguousTime(local)
            ? new DateTimeOffset(local, TimeZone.GetAmbiguousTimeOffsets(local).Min())
            : EndOf(period);
    }

    /// <summary>The period after <paramref name="period"/> (period 0 of the next day after the last one).</summary>
    public PeriodKey Next(PeriodKey period)
    {
        EnsureIndex(period);
        return period.Index + 1 < PeriodsPerDay
            ? period with { Index = period.Index + 1 }
            : new PeriodKey(period.Date.AddDays(1), 0);
    }

    /// <summary>The period before <paramref name="period"/>.</summary>
    public PeriodKey Previous(PeriodKey period)
    {
        EnsureIndex(period);
        return period.Index > 0
            ? period with { Index = period.Index - 1 }
            : new PeriodKey(period.Date.AddDays(-1), PeriodsPerDay - 1);
    }

    /// <summary>The period index scaled to [0, 1] for the network: index / (periods per day - 1).</summary>
    public double ScaledIndex(int index)
    {
        if (index < 0 || index >= PeriodsPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"A period index must be between 0 and {PeriodsPerDay - 1}.");
        }

        return PeriodsPerDay == 1 ? 0 : (double)index / (PeriodsPerDay - 1);
    }

    private void EnsureIndex(PeriodKey period)
    {
        if (period.Index < 0 || period.Index >= PeriodsPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period,
                $"A period index must be between 0 and {PeriodsPerDay - 1} for {PeriodLength.TotalMinutes}-minute periods.");
        }
    }
}
