using Prescient.Core.Migration;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Prescient.Core.Tests.Migration;

public class MigrationCostModelTests
{
    private static readonly MigrationCostSettings Gigabit = new() { BandwidthMbitPerSecond = 1000, LinkEfficiency = 1.0, HandshakeTime = TimeSpan.Zero, NonMemoryStateMb = 5 };

    [Fact]
    public void An_idle_vm_is_copied_in_one_round()
    {
        var e = MigrationCostModel.Estimate(1250, 0, Gigabit);
        Assert.Single(e.Rounds);
        Assert.True(e.Converged);
        Assert.Equal(10, e.Rounds[0].Duration.TotalSeconds, 6); // 1250 MB at 125 MB/s
        Assert.Equal(0.04, e.Downtime.TotalSeconds, 6); // 5 MB of device state
    }

    [Fact]
    public void Each_round_sends_what_the_previous_one_dirtied()
    {
        var e = MigrationCostModel.Estimate(8192, 50, Gigabit);
        Assert.True(e.Rounds.Count > 2);
        for (var i = 1; i < e.Rounds.Count; i++)
        {
            Assert.Equal(Math.Min(8192, 50 * e.Rounds[i - 1].Duration.TotalSeconds), e.Rounds[i].SentMb, 6);
            Assert.True(e.Rounds[i].Duration < e.Rounds[i - 1].Duration);
        }

        Assert.True(e.Converged);
        Assert.True(e.StopCopyMb <= Gigabit.StopCopyThresholdMb);
        Assert.True(e.Total.TotalSeconds > 8192 / 125.0);
    }

    [Fact]
    public void A_vm_dirtying_faster_than_the_link_stalls_and_is_handled_by_setting()
    {
        var copy = MigrationCostModel.Estimate(4096, 200, Gigabit);
        Assert.False(copy.Converged);
        Assert.False(copy.Aborted);
        Assert.Contains("faster than it can be sent", copy.Outcome, StringComparison.Ordinal);
        Assert.True(copy.Downtime.TotalSeconds > 30); // a long stop-and-copy of the whole memory

        var abort = MigrationCostModel.Estimate(4096, 200, Gigabit with { OnNonConvergence = NonConvergenceHandling.Abort });
        Assert.True(abort.Aborted);
        Assert.Equal(TimeSpan.Zero, abort.Downtime);
    }

    [Property(MaxTest = 200)]
    public Property Duration_is_at_least_one_full_copy_and_rounds_are_capped(PositiveInt memory, NonNegativeInt dirty)
    {
        var mem = 64 + (memory.Get % 65536);
        var rate = dirty.Get % 400;
        var e = MigrationCostModel.Estimate(mem, rate, Gigabit);
        return (e.Rounds.Count <= Gigabit.MaxPreCopyRounds
                && e.Rounds[0].SentMb == mem
                && e.PreCopy.TotalSeconds >= (mem / 125.0) - 1e-6
                && (e.Converged || e.StopCopyMb > Gigabit.StopCopyThresholdMb))
            .ToProperty();
    }
}
