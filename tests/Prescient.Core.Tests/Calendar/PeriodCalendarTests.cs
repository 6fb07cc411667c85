using Prescient.Core.Calendar;

namespace Prescient.Core.Tests.Calendar;

public class PeriodCalendarTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void Default_has_72_periods_of_20_minutes()
    {
        var calendar = PeriodCalendar.Default;
        Assert.Equal(72, calendar.PeriodsPerDay);
        Assert.Equal(TimeSpan.FromMinutes(20), calendar.PeriodLength);
        Assert.Equal(new PeriodKey(new DateOnly(2026, 5, 4), 0), calendar.PeriodOf(new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new PeriodKey(new DateOnly(2026, 5, 4), 71), calendar.PeriodOf(new DateTimeOffset(2026, 5, 4, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new PeriodKey(new DateOnly(2026, 5, 4), 31), calendar.PeriodOf(new DateTimeOffset(2026, 5, 4, 10, 39, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(10, 144)]
    [InlineData(15, 96)]
    [InlineData(30, 48)]
    [InlineData(60, 24)]
    public void Period_length_is_a_setting(int minutes, int periods) =>
        Assert.Equal(periods, new PeriodCalendar(TimeSpan.FromMinutes(minutes), TimeZoneInfo.Utc).PeriodsPerDay);

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(-20)]
    [InlineData(2000)]
    public void Period_lengths_that_do_not_divide_a_day_are_rejected(int minutes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PeriodCalendar(TimeSpan.FromMinutes(minutes), TimeZoneInfo.Utc));
        Assert.Contains("divide a day", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Periods_follow_the_hosts_local_midnight()
    {
        var calendar = new PeriodCalendar(Berlin);
        // 23:10 UTC on 3 May is 01:10 on 4 May in Berlin (summer time, UTC+2).
        Assert.Equal(new PeriodKey(new DateOnly(2026, 5, 4), 3), calendar.PeriodOf(new DateTimeOffset(2026, 5, 3, 23, 10, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 5, 3, 22, 0, 0, TimeSpan.Zero), calendar.StartOf(new PeriodKey(new DateOnly(2026, 5, 4), 0)));
    }

    [Fact]
    public void Start_and_period_round_trip_on_an_ordinary_day()
    {
        var calendar = new PeriodCalendar(Berlin);
        var date = new DateOnly(2026, 7, 1);
        for (var i = 0; i < calendar.PeriodsPerDay; i++)
        {
            var key = new PeriodKey(date, i);
            Assert.Equal(key, calendar.PeriodOf(calendar.StartOf(key)));
            Assert.Equal(TimeSpan.FromMinutes(20), calendar.EndOf(key) - calendar.StartOf(key));
        }
    }

    [Fact]
    public void Spring_forward_day_keeps_72_periods_with_the_skipped_hour_empty()
    {
        var calendar = new PeriodCalendar(Berlin);
        var date = new DateOnly(2026, 3, 29); // 02:00 -> 03:00 local
        var transition = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero);
        Assert.Equal(new PeriodKey(date, 9), calendar.PeriodOf(transition));
        Assert.Equal(new PeriodKey(date, 5), calendar.PeriodOf(transition.AddTicks(-1)));
        for (var i = 6; i <= 9; i++)
        {
            Assert.Equal(transition, calendar.StartOf(new PeriodKey(date, i)));
        }

        var total = calendar.StartOf(new PeriodKey(date.AddDays(1), 0)) - calendar.StartOf(new PeriodKey(date, 0));
        Assert.Equal(TimeSpan.FromHours(23), total);
    }

    [Fact]
    public void Fall_back_day_maps_the_repeated_hour_into_the_same_periods()
    {
        var calendar = new PeriodCalendar(Berlin);
        var date = new DateOnly(2026, 10, 25); // 03:00 summer time -> 02:00 winter time
        var firstPass = new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero);  // 02:30 CEST
        var secondPass = new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero); // 02:30 CET
        Assert.Equal(new PeriodKey(date, 7), calendar.PeriodOf(firstPass));
        Assert.Equal(new PeriodKey(date, 7), calendar.PeriodOf(secondPass));
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 20, 0, TimeSpan.Zero), calendar.StartOf(new PeriodKey(date, 7)));
        var total = calendar.StartOf(new PeriodKey(date.AddDays(1), 0)) - calendar.StartOf(new PeriodKey(date, 0));
        Assert.Equal(TimeSpan.FromHours(25), total);
    }

    [Fact]
    public void Next_and_previous_cross_midnight()
    {
        var calendar = PeriodCalendar.Default;
        var last = new PeriodKey(new DateOnly(2026, 12, 31), 71);
        var first = new PeriodKey(new DateOnly(2027, 1, 1), 0);
        Assert.Equal(first, calendar.Next(last));
        Assert.Equal(last, calendar.Previous(first));
        Assert.True(last < first);
        Assert.Throws<ArgumentOutOfRangeException>(() => calendar.StartOf(new PeriodKey(first.Date, 72)));
    }

    [Fact]
    public void Scaled_index_spans_zero_to_one()
    {
        var calendar = PeriodCalendar.Default;
        Assert.Equal(0, calendar.ScaledIndex(0));
        Assert.Equal(1, calendar.ScaledIndex(71));
        Assert.Throws<ArgumentOutOfRangeException>(() => calendar.ScaledIndex(72));
    }

    [Fact]
    public void Period_key_text_sorts_chronologically() =>
        Assert.Equal("2026-05-04/007", new PeriodKey(new DateOnly(2026, 5, 4), 7).ToString());
}
