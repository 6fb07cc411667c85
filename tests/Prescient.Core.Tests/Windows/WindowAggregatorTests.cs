using Prescient.Core.Calendar;
using Prescient.Core.Windows;

namespace Prescient.Core.Tests.Windows;

public class WindowAggregatorTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 5, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 5, 4);

    private static WorkloadSample Sample(long sequence, double minutes, double workload, string host = "h1") =>
        new(host, sequence, Midnight.AddMinutes(minutes), workload);

    [Fact]
    public void Samples_aggregate_into_period_windows()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        var result = aggregator.AddRange([Sample(1, 1, 0.2), Sample(2, 5, 0.4), Sample(3, 21, 0.9)]);
        Assert.Equal(3, result.Accepted);

        var windows = aggregator.CloseThrough("h1", new PeriodKey(Day, 1));
        Assert.Equal(2, windows.Count);
        Assert.Equal(new PeriodKey(Day, 0), windows[0].Period);
        Assert.Equal(2, windows[0].Count);
        Assert.Equal(0.3, windows[0].Mean, 12);
        Assert.Equal(0.4, windows[0].Max);
        Assert.Equal(0.9, windows[1].Mean, 12);
    }

    [Fact]
    public void A_redelivered_sample_counts_once()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(Sample(7, 3, 0.5)));
        Assert.Equal(SampleOutcome.Duplicate, aggregator.Add(Sample(7, 3, 0.5)));
        var result = aggregator.AddRange([Sample(7, 3, 0.5), Sample(8, 4, 0.7)]);
        Assert.Equal(1, result.Accepted);
        Assert.Equal(1, result.Duplicates);
        var window = Assert.Single(aggregator.OpenWindows("h1"));
        Assert.Equal(2, window.Count);
        Assert.Equal(0.6, window.Mean, 12);
    }

    [Fact]
    public void A_sequence_reused_with_another_timestamp_in_another_open_window_counts_once()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        aggregator.Add(Sample(7, 3, 0.5));
        Assert.Equal(SampleOutcome.Duplicate, aggregator.Add(Sample(7, 25, 0.5)));
        Assert.Single(aggregator.OpenWindows("h1"));
    }

    [Fact]
    public void Sequences_are_per_host()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(Sample(1, 3, 0.5, "h1")));
        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(Sample(1, 3, 0.5, "h2")));
    }

    [Fact]
    public void Late_samples_for_an_open_window_are_accepted()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        aggregator.Add(Sample(10, 25, 0.5)); // period 1
        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(Sample(2, 5, 0.1))); // period 0, arrives later
        Assert.Equal(2, aggregator.OpenWindows("h1").Count);
    }

    [Fact]
    public void Samples_for_a_closed_window_are_reported_not_counted()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        aggregator.Add(Sample(1, 5, 0.1));
        var closed = aggregator.CloseElapsed(Midnight.AddMinutes(22), TimeSpan.FromMinutes(1));
        Assert.Single(closed);

        var late = Sample(2, 6, 0.9);
        var result = aggregator.AddRange([late, Sample(3, 23, 0.4)]);
        Assert.Equal(1, result.Accepted);
        Assert.Equal([late], result.ClosedWindowSamples);

        // A host first seen after the close is bound by it too.
        Assert.Equal(SampleOutcome.WindowClosed, aggregator.Add(Sample(1, 6, 0.9, "h9")));
    }

    [Fact]
    public void Close_elapsed_respects_the_grace_period()
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        aggregator.Add(Sample(1, 5, 0.1));
        Assert.Empty(aggregator.CloseElapsed(Midnight.AddMinutes(21), TimeSpan.FromMinutes(2)));
        Assert.Single(aggregator.CloseElapsed(Midnight.AddMinutes(22), TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Invalid_samples_are_rejected_when_built()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample(1, 0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample(1, 0, 1.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample(-1, 0, 0.5));
        Assert.Throws<ArgumentException>(() => Sample(1, 0, 0.5, " "));
    }
}

public class WindowAggregatorDaylightSavingTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void The_repeated_hour_stays_open_until_its_second_pass_ends()
    {
        var calendar = new PeriodCalendar(Berlin);
        var aggregator = new WindowAggregator(calendar);
        var firstPass = new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero);  // 02:30 CEST
        var secondPass = new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero); // 02:30 CET
        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(new WorkloadSample("h1", 1, firstPass, 0.2)));
        Assert.DoesNotContain(aggregator.CloseElapsed(firstPass.AddMinutes(20), TimeSpan.FromMinutes(1)), w => w.Period.Index == 7);

        Assert.Equal(SampleOutcome.Accepted, aggregator.Add(new WorkloadSample("h1", 2, secondPass, 0.4)));
        var closed = aggregator.CloseElapsed(secondPass.AddMinutes(20), TimeSpan.FromMinutes(1));
        var window = Assert.Single(closed, w => w.Period.Index == 7);
        Assert.Equal(2, window.Count);
        Assert.Equal(0.3, window.Mean, 12);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 1, 40, 0, TimeSpan.Zero), calendar.FinalEndOf(new PeriodKey(new DateOnly(2026, 10, 25), 7)));
    }
}
