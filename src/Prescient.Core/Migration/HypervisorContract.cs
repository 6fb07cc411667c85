using System.Text.Json.Serialization;

namespace Prescient.Core.Migration;

// The hypervisor endpoint contract (docs/hypervisor-api.md): the JSON bodies a host (or its agent) exchanges with
// Prescient. Shared by the typed client (Prescient.Pipeline) and the fleet simulator service (Prescient.Simulation).
// Units: memory in MB (mebibytes), rates in MB/s, CPU in cores, load in [0, 1].

[JsonConverter(typeof(JsonStringEnumConverter<VmRunState>))]
public enum VmRunState
{
    /// <summary>Executing on this host.</summary>
    Running,

    /// <summary>Stopped on this host for the switch-over (stop-and-copy); not executing anywhere yet.</summary>
    Quiesced,

    /// <summary>Being received by this host (a destination's reserved copy); not executing.</summary>
    Incoming,
}

public sealed record VmStatus(string VmId, string? GroupId, double Cpu, double MemoryMb, double DirtyRateMBps, VmRunState State);

public sealed record HostStatus(
    string HostId,
    double CpuCapacity,
    double MemoryMb,
    double BandwidthMBps,
    double MeasuredLoad,
    PowerState PowerState,
    IReadOnlyList<VmStatus> Vms,
    int ActiveMigrations,
    DateTimeOffset ObservedAt);

[JsonConverter(typeof(JsonStringEnumConverter<PowerAction>))]
public enum PowerAction
{
    Reduce,
    Wake,
}

public sealed record PowerRequest(PowerAction Action);

public sealed record PowerResponse(string HostId, PowerState PowerState);

/// <summary>Sent to the destination: may it receive this VM? Answered with OK-to-migrate or a refusal.</summary>
public sealed record PrepareRequest(string VmId, string SourceHostId, double MemoryMb, double Cpu);

public sealed record PrepareResponse(string MigrationId, bool OkToMigrate, string? RefusalReason);

/// <summary>Sent to the source: start pre-copy round N toward the destination.</summary>
public sealed record PrecopyRoundRequest(string VmId, string DestinationHostId);

[JsonConverter(typeof(JsonStringEnumConverter<RoundState>))]
public enum RoundState
{
    Running,
    Completed,
}

/// <summary>
/// One pre-copy round: <see cref="SentMb"/> is what the round transfers (all memory in round 1, the pages dirtied
/// during the previous round afterwards); <see cref="DirtiedMb"/> is what the VM dirtied while it ran (known when
/// completed), which the next round must send. Durations are wall-clock seconds as seen by the caller.
/// </summary>
public sealed record PrecopyRoundStatus(
    string MigrationId,
    int Round,
    RoundState State,
    double SentMb,
    double DirtiedMb,
    double DurationSeconds,
    double EstimatedRemainingSeconds);

/// <summary>Quiesce the VM on the source and send its non-memory state; with stop-and-copy, also every dirty page.</summary>
public sealed record QuiesceRequest(bool StopAndCopy);

public sealed record QuiesceResponse(string MigrationId, double NonMemoryStateMb, double RemainingDirtyMb, double DowntimeSeconds);

/// <summary>The source sends resume to the destination; the destination answers resume-started.</summary>
public sealed record ResumeResponse(string MigrationId, bool ResumeStarted, string RunningOnHostId);

public sealed record FinishResponse(string MigrationId, double SentMb, string RunningOnHostId);

public sealed record AbortResponse(string MigrationId, bool Aborted, string RunningOnHostId);

[JsonConverter(typeof(JsonStringEnumConverter<HostMigrationPhase>))]
public enum HostMigrationPhase
{
    Prepared,
    Precopy,
    Quiesced,
    ResumeStarted,
    Finished,
    Aborted,
}

public sealed record HostMigrationStatus(
    string MigrationId,
    string VmId,
    string SourceHostId,
    string DestinationHostId,
    HostMigrationPhase Phase,
    int Rounds);

/// <summary>The body of every non-2xx answer.</summary>
public sealed record HypervisorError(string Code, string Message, bool Retryable);

/// <summary>The error codes of the contract (see docs/hypervisor-api.md for the status each comes with).</summary>
public static class HypervisorErrorCodes
{
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string BadRequest = "bad-request";
    public const string UnknownHost = "unknown-host";
    public const string UnknownVm = "unknown-vm";
    public const string UnknownMigration = "unknown-migration";
    public const string WrongPhase = "wrong-phase";
    public const string Conflict = "conflict";
    public const string VmLocked = "vm-locked";
    public const string Aborted = "aborted";
    public const string ResumeStarted = "resume-started";
    public const string HostNotEmpty = "host-not-empty";
    public const string Unavailable = "unavailable";
    public const string DestinationUnresponsive = "destination-unresponsive";
}
