namespace Prescient.Hypervisor.Qemu;

/// <summary>
/// What QEMU reported for an outgoing migration once it ended on the source (<c>query-migrate</c>), plus the pause the
/// guest saw from the source's <c>STOP</c> to the destination's <c>RESUME</c> (both QEMU event timestamps).
/// </summary>
public sealed record QemuMigrationReport(
    string MigrationId,
    string Status,
    long TotalTimeMs,
    long? DowntimeMs,
    long? SetupTimeMs,
    long TransferredBytes,
    long? DowntimeBytes,
    int Passes,
    string? Error,
    DateTimeOffset? SourceStoppedAt,
    DateTimeOffset? DestinationResumedAt)
{
    /// <summary>From the source vCPUs stopping to the destination's starting: what the guest experienced.</summary>
    public double? GuestPauseSeconds => SourceStoppedAt is { } stop && DestinationResumedAt is { } resume ? (resume - stop).TotalSeconds : null;
}
