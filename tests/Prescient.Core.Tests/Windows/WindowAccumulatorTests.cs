using Prescient.Core.Calendar;
using Prescient.Core.Windows;

namespace Prescient.Core.Tests.Windows;

public class WindowAccumulatorTests
{
    private static readonly PeriodKey Period = new(new DateOnly(2026, 5, 4), 30);
    private static readonly DateTimeOffset At = new(2026, 5, 4, 10, 5, 0, TimeSpan.Zero);

    [Fact]
    public void Restored_state_keeps_deduplicating()
    {
        var first = new WindowAccumulator("h1", Period);
        first.Apply(new WorkloadSample("h1", 1, At, 0.2));
        first.Apply(new WorkloadSample("h1", 2, At, 0.4));
        var state = first.ToState();

        var resumed = WindowAccumulator.Restore(state);
        Assert.Equal(SampleOutcome.Duplicate, resumed.Apply(new WorkloadSample("h1", 2, At, 0.4)));
        Assert.Equal(SampleOutcome.Accepted, resumed.Apply(new WorkloadSample("h1", 3, At, 0.9)));
        var window = resumed.ToWindow();
        Assert.Equal(3, window.Count);
        Assert.Equal(0.5, window.Mean, 12);
        Assert.Equal(0.9, window.Max);
        Assert.Equal([new SequenceRange(1, 3)], resumed.ToState().Sequences);
    }

    [Fact]
    public void Inconsistent_state_is_rejected()
    {
        var bad = new WindowState("h1", Period, 500_000_000, 0.5, 2, [new SequenceRange(1, 1)]);
        var error = Assert.Throws<ArgumentException>(() => WindowAccumulator.Restore(bad));
        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            WindowAccumulator.Restore(new WindowState("h1", Period, 3_000_000_000, 0.5, 1, [new SequenceRange(1, 1)])));
    }

    [Fact]
    public void Samples_of_another_host_are_refused() =>
        Assert.Throws<ArgumentException>(() => new WindowAccumulator("h1", Period).Apply(new WorkloadSample("h2", 1, At, 0.1)));

    [Fact]
    public void Sequence_set_merges_ranges()
    {
        var set = new SequenceSet();
        foreach (var s in new long[] { 5, 3, 4, 10, 1, 2, 12, 11 })
        {
            Assert.True(set.Add(s));
        }

        Assert.False(set.Add(4));
        Assert.Equal([new SequenceRange(1, 5), new SequenceRange(10, 12)], set.Ranges);
        Assert.Equal(8, set.Count);
        Assert.True(set.Contains(11));
        Assert.False(set.Contains(6));
        Assert.Equal(set.Ranges, new SequenceSet([new SequenceRange(10, 12), new SequenceRange(1, 3), new SequenceRange(3, 5)]).Ranges);
        Assert.Throws<ArgumentException>(() => new SequenceSet([new SequenceRange(5, 1)]));
    }
}
