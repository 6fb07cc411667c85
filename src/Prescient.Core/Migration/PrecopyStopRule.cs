namespace Prescient.Core.Migration;

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
