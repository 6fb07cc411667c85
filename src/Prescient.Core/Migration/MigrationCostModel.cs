namespace Prescient.Core.Migration;

/// <summary>Pre-copy arithmetic: each round sends what was dirtied during the previous one.</summary>
public static class MigrationCostModel
{
    public static MigrationEstimate Estimate(double memoryMb, double dirtyRateMBps, MigrationCostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryMb);
        ArgumentOutOfRangeException.ThrowIfNegative(dirtyRateMBps);
        var bandwidth = settings.BandwidthMBps;
        var rounds = new List<PreCopyRound>();
        var toSend = memoryMb;
        var converged = false;
        string outcome;
        while (true)
        {
            var seconds = toSend / bandwidth;
            rounds.Add(new PreCopyRound(rounds.Count + 1, toSend, TimeSpan.FromSeconds(seconds)));
            var dirtied = Math.Min(memoryMb, dirtyRateMBps * seconds);
            if (dirtied <= settings.StopCopyThresholdMb)
            {
                converged = true;
                toSend = dirtied;
                outcome = $"converged after {rounds.Count} round(s): {dirtied:F1} MB left for stop-and-copy";
                break;
            }

            if (rounds.Count >= settings.MaxPreCopyRounds)
            {
                toSend = dirtied;
                outcome = $"stopped at the round cap ({settings.MaxPreCopyRounds}) with {dirtied:F1} MB dirty";
                break;
            }

            if (dirtied > toSend * settings.StallRatio)
            {
                toSend = dirtied;
                outcome = dirtyRateMBps >= bandwidth
                    ? $"the VM dirties memory ({dirtyRateMBps:F0} MB/s) faster than it can be sent ({bandwidth:F0} MB/s)"
                    : $"stalled after {rounds.Count} round(s) with {dirtied:F1} MB dirty";
                break;
            }

            toSend = dirtied;
        }

        var preCopy = TimeSpan.FromTicks(rounds.Sum(r => r.Duration.Ticks));
        var aborted = !converged && dirtyRateMBps >= bandwidth && settings.OnNonConvergence == NonConvergenceHandling.Abort;
        var downtime = aborted ? TimeSpan.Zero : TimeSpan.FromSeconds((toSend + settings.NonMemoryStateMb) / bandwidth);
        var total = settings.HandshakeTime + preCopy + downtime;
        return new MigrationEstimate(rounds, toSend, preCopy, downtime, total, converged, aborted, aborted ? outcome + "; aborted" : outcome);
    }
}
