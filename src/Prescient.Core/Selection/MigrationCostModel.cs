namespace Prescient.Core.Selection;

/// <summary>An estimate of what moving VMs costs.</summary>
/// <param name="Duration">Time the pre-copy and stop-and-copy take.</param>
/// <param name="TransferredMb">Memory sent, including pages sent again after being dirtied.</param>
/// <param name="Converges">False when a VM dirties memory at least as fast as it can be sent (pre-copy cannot finish on its own).</param>
public sealed record MigrationCostEstimate(TimeSpan Duration, double TransferredMb, bool Converges)
{
    /// <summary>Nothing to move.</summary>
    public static MigrationCostEstimate Zero { get; } = new(TimeSpan.Zero, 0, true);

    /// <summary>The cost of two moves one after the other.</summary>
    public static MigrationCostEstimate operator +(MigrationCostEstimate left, MigrationCostEstimate right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.Duration + right.Duration, left.TransferredMb + right.TransferredMb, left.Converges && right.Converges);
    }

    /// <summary>Same as <c>+</c>.</summary>
    public static MigrationCostEstimate Add(MigrationCostEstimate left, MigrationCostEstimate right) => left + right;
}

/// <summary>
/// Estimates a live migration's cost from memory size and dirty rate: pre-copy rounds send the memory, then what was
/// dirtied meanwhile, shrinking by the ratio dirty rate / bandwidth each round, until what is left fits the
/// stop-and-copy threshold or the round limit is reached (then the rest is sent with the VM paused).
/// </summary>
/// <param name="BandwidthMbps">Migration bandwidth in MB/s (default 1,250: 10 Gbit/s).</param>
/// <param name="StopCopyThresholdMb">Pre-copy stops when at most this much remains dirty (default 64 MB).</param>
/// <param name="MaxRounds">Most pre-copy rounds (default 30).</param>
public sealed record MigrationCostModel(double BandwidthMbps = 1250, double StopCopyThresholdMb = 64, int MaxRounds = 30)
{
    /// <summary>The defaults.</summary>
    public static MigrationCostModel Default { get; } = new();

    /// <summary>Bandwidth; above 0.</summary>
    public double BandwidthMbps { get; init; } = double.IsFinite(BandwidthMbps) && BandwidthMbps > 0
        ? BandwidthMbps
        : throw new ArgumentOutOfRangeException(nameof(BandwidthMbps), BandwidthMbps, "The migration bandwidth must be a finite number of MB/s above 0.");

    /// <summary>Stop-and-copy threshold; 0 or more.</summary>
    public double StopCopyThresholdMb { get; init; } = double.IsFinite(StopCopyThresholdMb) && StopCopyThresholdMb >= 0
        ? StopCopyThresholdMb
        : throw new ArgumentOutOfRangeException(nameof(StopCopyThresholdMb), StopCopyThresholdMb, "The stop-and-copy threshold must be a finite number of MB, 0 or more.");

    /// <summary>Round limit; at least 1.</summary>
    public int MaxRounds { get; init; } = MaxRounds >= 1
        ? MaxRounds
        : throw new ArgumentOutOfRangeException(nameof(MaxRounds), MaxRounds, "At least one pre-copy round is needed.");

    /// <summary>The cost of moving one VM.</summary>
    public MigrationCostEstimate Estimate(double memoryMb, double dirtyRateMbps)
    {
        if (!double.IsFinite(memoryMb) || memoryMb < 0 || !double.IsFinite(dirtyRateMbps) || dirtyRateMbps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(memoryMb), "Memory and dirty rate must be finite and 0 or more.");
        }

        var ratio = dirtyRateMbps / BandwidthMbps;
        var toSend = memoryMb;
        var sent = 0.0;
        var rounds = 0;
        while (toSend > StopCopyThresholdMb && rounds < MaxRounds)
        {
            sent += toSend;
            toSend *= ratio; // dirtied while that round was sent
            rounds++;
        }

        sent += toSend; // stop-and-copy
        return new MigrationCostEstimate(TimeSpan.FromSeconds(sent / BandwidthMbps), sent, ratio < 1);
    }
}
