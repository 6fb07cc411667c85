using Prescient.Core.Migration;

namespace Prescient.Simulation.Fleet;

/// <summary>One VM migration: queued behind others from the same source, then running for its estimated duration.</summary>
public sealed class SimMigration
{
    internal SimMigration(int number, string vmId, string source, string destination, DateTimeOffset requested, MigrationEstimate estimate, string reason)
    {
        Number = number;
        VmId = vmId;
        Source = source;
        Destination = destination;
        Requested = requested;
        Estimate = estimate;
        Reason = reason;
    }

    public int Number { get; }

    public string VmId { get; }

    public string Source { get; }

    public string Destination { get; }

    public DateTimeOffset Requested { get; }

    public MigrationEstimate Estimate { get; }

    public string Reason { get; }

    public MigrationStatus Status { get; internal set; } = MigrationStatus.Queued;

    public DateTimeOffset? Started { get; internal set; }

    public DateTimeOffset? Finished { get; internal set; }

    public bool IsActive => Status is MigrationStatus.Queued or MigrationStatus.Running;
}
