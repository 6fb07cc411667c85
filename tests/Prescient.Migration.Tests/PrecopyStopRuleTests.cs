using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Migration;
using Prescient.Core.Migration;

namespace Prescient.Migration.Tests;

public sealed class PrecopyStopRuleTests
{
    private static readonly PrecopyPolicy Policy = new(StopWhenDirtyMb: 64, MinShrinkRatio: 0.9, MaxStalledRounds: 2, MaxRounds: 10);

    [Fact]
    public void Shrinking_dirty_set_continues_until_few_pages_are_left()
    {
        var rounds = new List<PrecopyRound> { new(1, 4096, 800, 3.2) };
        Assert.Equal(PrecopyDecision.NextRound, PrecopyStopRule.Decide(rounds, Policy).Decision);
        rounds.Add(new(2, 800, 150, 0.6));
        Assert.Equal(PrecopyDecision.NextRound, PrecopyStopRule.Decide(rounds, Policy).Decision);
        rounds.Add(new(3, 150, 30, 0.1));
        Assert.Equal(PrecopyDecision.Quiesce, PrecopyStopRule.Decide(rounds, Policy).Decision);
    }

    [Theory]
    [InlineData(NonConvergenceHandling.Abort, PrecopyDecision.Abort)]
    [InlineData(NonConvergenceHandling.StopAndCopy, PrecopyDecision.StopAndCopy)]
    public void Memory_dirtied_faster_than_it_is_sent_is_handled_per_setting(NonConvergenceHandling setting, PrecopyDecision expected)
    {
        var verdict = PrecopyStopRule.Decide([new PrecopyRound(1, 2048, 2048, 1.6)], Policy with { OnNonConvergence = setting });

        Assert.Equal(expected, verdict.Decision);
        Assert.Contains("diverging", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stalled_progress_stops_pre_copy()
    {
        PrecopyRound[] rounds = [new(1, 4096, 1000, 3), new(2, 1000, 950, 1), new(3, 950, 940, 1)];

        var verdict = PrecopyStopRule.Decide(rounds, Policy with { OnNonConvergence = NonConvergenceHandling.StopAndCopy });

        Assert.Equal(PrecopyDecision.StopAndCopy, verdict.Decision);
        Assert.Contains("stalled", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stop_and_copy_larger_than_allowed_aborts()
    {
        var verdict = PrecopyStopRule.Decide([new PrecopyRound(1, 8192, 8192, 6)],
            Policy with { OnNonConvergence = NonConvergenceHandling.StopAndCopy, MaxStopAndCopyMb = 1024 });

        Assert.Equal(PrecopyDecision.Abort, verdict.Decision);
    }

    [Fact]
    public void The_round_cap_ends_pre_copy()
    {
        var rounds = Enumerable.Range(1, 10).Select(i => new PrecopyRound(i, 1000.0 / i, 1000.0 / (i + 1) * 0.5, 1)).ToList();

        Assert.NotEqual(PrecopyDecision.NextRound, PrecopyStopRule.Decide(rounds, Policy with { StopWhenDirtyMb = 1 }).Decision);
    }

    [Fact]
    public void Nonsense_settings_are_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => (Policy with { MinShrinkRatio = 1.5 }).Validate());
        Assert.Contains("MinShrinkRatio", error.Message, StringComparison.Ordinal);
    }
}

public sealed class MigrationOptionsTests
{
    [Fact]
    public void A_nonsensical_policy_fails_at_start_with_its_message()
    {
        var collection = new ServiceCollection().AddPrescientMigrationsInMemory(o =>
        {
            o.FleetBaseUri = new Uri("http://127.0.0.1:1/");
            o.FleetSecret = "secret-secret-secret";
        }, o => o.Policy = new MigrationPolicy { PollInterval = TimeSpan.Zero });
        using var services = collection.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MigrationOptions>>().Value);
        Assert.Contains("PollInterval", error.Message, StringComparison.Ordinal);
    }
}
