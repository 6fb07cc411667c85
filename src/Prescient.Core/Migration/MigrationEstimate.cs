namespace Prescient.Core.Migration;

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
