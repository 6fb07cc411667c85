namespace Prescient.Core.Migration;

/// <summary>What to do when memory is dirtied faster than pre-copy can send it, or when pre-copy stops making progress.</summary>
public enum NonConvergenceHandling
{
    /// <summary>Abort the migration; the VM keeps running on the source.</summary>
    Abort,

    /// <summary>Quiesce anyway and send every remaining dirty page while the VM is stopped (a longer downtime).</summary>
    StopAndCopy,
}

/// <summary>The patent's pre-copy stop rules as settings.</summary>
/// <param name="StopWhenDirtyMb">Few enough pages left: quiesce and switch over.</param>
/// <param name="MinShrinkRatio">A round makes progress when it leaves at most this fraction of what the previous round left.</param>
/// <param name="MaxStalledRounds">Consecutive rounds without progress before pre-copy is declared stalled.</param>
/// <param name="MaxRounds">Hard cap on rounds.</param>
/// <param name="OnNonConvergence">Divergence or stall: abort, or a longer stop-and-copy.</param>
/// <param name="MaxStopAndCopyMb">A stop-and-copy larger than this aborts instead (bounds the downtime).</param>
public sealed record PrecopyPolicy(
    double StopWhenDirtyMb = 64,
    double MinShrinkRatio = 0.9,
    int MaxStalledRounds = 2,
    int MaxRounds = 30,
    NonConvergenceHandling OnNonConvergence = NonConvergenceHandling.Abort,
    double MaxStopAndCopyMb = 2048)
{
    /// <summary>Throws <see cref="ArgumentException"/> with a clear message for settings that make no sense.</summary>
    public void Validate()
    {
        if (!(StopWhenDirtyMb >= 0) || double.IsInfinity(StopWhenDirtyMb))
        {
            throw new ArgumentException($"StopWhenDirtyMb must be a finite number >= 0 (got {StopWhenDirtyMb}).");
        }

        if (!(MinShrinkRatio > 0 && MinShrinkRatio <= 1))
        {
            throw new ArgumentException($"MinShrinkRatio must be in (0, 1] (got {MinShrinkRatio}).");
        }

        if (MaxStalledRounds < 1 || MaxRounds < 1)
        {
            throw new ArgumentException($"MaxStalledRounds and MaxRounds must be >= 1 (got {MaxStalledRounds}, {MaxRounds}).");
        }

        if (!(MaxStopAndCopyMb >= 0))
        {
            throw new ArgumentException($"MaxStopAndCopyMb must be >= 0 (got {MaxStopAndCopyMb}).");
        }
    }
}

/// <summary>A completed pre-copy round: what it sent, what the VM dirtied meanwhile, how long it took.</summary>
public sealed record PrecopyRound(int Round, double SentMb, double DirtiedMb, double DurationSeconds);

public enum PrecopyDecision
{
    NextRound,
    Quiesce,
    StopAndCopy,
    Abort,
}

public sealed record PrecopyVerdict(PrecopyDecision Decision, string Reason);

/// <summary>
/// Decides after each completed round (patent: repeat while the dirtied pages shrink; stop when few are left or
/// progress is insufficient; a VM dirtying memory faster than it can be sent is an exception handled by setting).
/// </summary>
public static class PrecopyStopRule
{
    public static PrecopyVerdict Decide(IReadOnlyList<PrecopyRound> rounds, PrecopyPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        ArgumentNullException.ThrowIfNull(policy);
        if (rounds.Count == 0)
        {
            return new(PrecopyDecision.NextRound, "no round yet");
        }

        var last = rounds[^1];
        if (last.DirtiedMb <= policy.StopWhenDirtyMb)
        {
            return new(PrecopyDecision.Quiesce, $"{last.DirtiedMb:0.#} MB left after round {last.Round} (<= {policy.StopWhenDirtyMb:0.#} MB)");
        }

        if (last.DirtiedMb >= last.SentMb)
        {
            return NonConvergence(last, policy,
                $"diverging: round {last.Round} sent {last.SentMb:0.#} MB while the VM dirtied {last.DirtiedMb:0.#} MB (dirty rate >= bandwidth)");
        }

        var stalled = 0;
        for (var i = rounds.Count - 1; i >= 1; i--)
        {
            var progressing = rounds[i].DirtiedMb <= policy.MinShrinkRatio * rounds[i - 1].DirtiedMb;
            if (progressing)
            {
                break;
            }

            stalled++;
        }

        if (stalled >= policy.MaxStalledRounds)
        {
            return NonConvergence(last, policy, $"stalled: {stalled} rounds without the dirty set shrinking below {policy.MinShrinkRatio:0.##}x");
        }

        if (rounds.Count >= policy.MaxRounds)
        {
            return NonConvergence(last, policy, $"{rounds.Count} rounds reached (cap {policy.MaxRounds})");
        }

        return new(PrecopyDecision.NextRound, $"{last.DirtiedMb:0.#} MB dirty after round {last.Round}");
    }

    private static PrecopyVerdict NonConvergence(PrecopyRound last, PrecopyPolicy policy, string why)
    {
        if (policy.OnNonConvergence == NonConvergenceHandling.Abort)
        {
            return new(PrecopyDecision.Abort, why + "; setting: abort");
        }

        return last.DirtiedMb <= policy.MaxStopAndCopyMb
            ? new(PrecopyDecision.StopAndCopy, why + $"; setting: stop-and-copy of {last.DirtiedMb:0.#} MB")
            : new(PrecopyDecision.Abort, why + $"; stop-and-copy of {last.DirtiedMb:0.#} MB exceeds {policy.MaxStopAndCopyMb:0.#} MB");
    }
}
