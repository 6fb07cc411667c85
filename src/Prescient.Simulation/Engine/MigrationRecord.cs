namespace Prescient.Simulation.Engine;

/// <summary>A migration as it happened in the simulation.</summary>
public sealed record MigrationRecord(
    string VmId,
    string Source,
    string Destination,
    DateTimeOffset Requested,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    string Status,
    int PreCopyRounds,
    double SentMb,
    TimeSpan Downtime,
    string Reason);
