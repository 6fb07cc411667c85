using Prescient.Core.Migration;

namespace Prescient.Simulation.Fleet;

/// <summary>
/// Costs of live migration (patent: pre-copy in rounds while the VM runs, then quiesce and send the non-memory state,
/// then resume on the destination). Bandwidth in Mbit/s of the migration network; CPU overheads in cores for the
/// duration of the migration on each side; the VM runs <see cref="VmDegradation"/> slower while it is being copied.
/// </summary>
public sealed record MigrationSettings
{
    public double BandwidthMbitPerSecond { get; init; } = 1000;

    /// <summary>Share of the link the copy actually gets (protocol overhead, other traffic).</summary>
    public double LinkEfficiency { get; init; } = 0.9;

    public int MaxPreCopyRounds { get; init; } = 30;

    /// <summary>Pre-copy stops when the pages dirtied during a round are at most this much.</summary>
    public double StopCopyThresholdMb { get; init; } = 50;

    /// <summary>Pre-copy stops as stalled when a round would send more than this share of the previous round.</summary>
    public double StallRatio { get; init; } = 0.9;

    /// <summary>Device and connection state sent while the VM is quiesced (patent: typically under 5 MB).</summary>
    public double NonMemoryStateMb { get; init; } = 5;

    /// <summary>Prepare / OK-to-migrate handshake and resume handshake.</summary>
    public TimeSpan HandshakeTime { get; init; } = TimeSpan.FromSeconds(2);

    public double SourceCpuCores { get; init; } = 0.6;

    public double DestinationCpuCores { get; init; } = 0.3;

    public double VmDegradation { get; init; } = 0.1;

    public NonConvergenceHandling OnNonConvergence { get; init; } = NonConvergenceHandling.StopAndCopy;

    public double BandwidthMBps => BandwidthMbitPerSecond * LinkEfficiency / 8.0;

    public void Validate()
    {
        if (!(BandwidthMbitPerSecond > 0) || !(LinkEfficiency is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(BandwidthMbitPerSecond), "Bandwidth must be positive and the link efficiency in (0, 1].");
        }

        if (MaxPreCopyRounds < 1 || !(StopCopyThresholdMb >= 0) || !(StallRatio is > 0 and <= 1) || !(NonMemoryStateMb >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPreCopyRounds), "Pre-copy: at least one round, a non-negative stop threshold, a stall ratio in (0, 1].");
        }

        if (!(SourceCpuCores >= 0) || !(DestinationCpuCores >= 0) || !(VmDegradation is >= 0 and < 1) || HandshakeTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SourceCpuCores), "CPU overheads must be non-negative and the degradation in [0, 1).");
        }
    }
}

/// <summary>One pre-copy round: how much was sent and how long it took.</summary>
public sealed record PreCopyRound(int Number, double SentMb, TimeSpan Duration);

/// <summary>The planned cost of one migration.</summary>
/// <param name="Rounds">Pre-copy rounds (the first sends the whole memory).</param>
/// <param name="StopCopyMb">Memory still dirty when the VM is quiesced (sent during the pause, with the device state).</param>
/// <param name="Downtime">How long the VM is paused.</param>
/// <param name="Total">From prepare to resume-started.</param>
/// <param name="Converged">Pre-copy reached the stop threshold.</param>
/// <param name="Aborted">The migration gives up (non-convergence with <see cref="NonConvergenceHandling.Abort"/>); the VM stays.</param>
/// <param name="Outcome">Why pre-copy stopped.</param>
public sealed record MigrationEstimate(
    IReadOnlyList<PreCopyRound> Rounds,
    double StopCopyMb,
    TimeSpan PreCopy,
    TimeSpan Downtime,
    TimeSpan Total,
    bool Converged,
    bool Aborted,
    string Outcome)
{
    public double SentMb => Rounds.Sum(r => r.SentMb) + (Aborted ? 0 : StopCopyMb);
}

/// <summary>Pre-copy arithmetic: each round sends what was dirtied during the previous one.</summary>
public static class MigrationCostModel
{
    public static MigrationEstimate Estimate(double memoryMb, double dirtyRateMBps, MigrationSettings settings)
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
