namespace Prescient.Core.Migration;

/// <summary>
/// Costs of live migration (patent: pre-copy in rounds while the VM runs, then quiesce and send the non-memory state,
/// then resume on the destination). Bandwidth in Mbit/s of the migration network; CPU overheads in cores for the
/// duration of the migration on each side; the VM runs <see cref="VmDegradation"/> slower while it is being copied.
/// </summary>
public sealed record MigrationCostSettings
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
