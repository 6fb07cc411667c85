namespace Prescient.Core.Migration;

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
