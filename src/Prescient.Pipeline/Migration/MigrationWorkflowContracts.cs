using Prescient.Core.Migration;

namespace Prescient.Pipeline.Migration;

/// <summary>Timeouts of each step, each raced against a durable timer (retries of the step included).</summary>
public sealed record StepTimeouts
{
    public TimeSpan Bookkeeping { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Reading a host's status.</summary>
    public TimeSpan Status { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Prepare { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Starting or polling a pre-copy round (one call).</summary>
    public TimeSpan RoundCall { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One whole pre-copy round, from start to completion.</summary>
    public TimeSpan Round { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan Quiesce { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Resume { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Finish { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan Abort { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Waking a powered-down destination until it reports On (the wake call, then status polls).</summary>
    public TimeSpan Wake { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Retries with exponential back-off, for transient hypervisor faults only.</summary>
public sealed record RetrySettings
{
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan FirstRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public double BackoffCoefficient { get; init; } = 2;

    public TimeSpan MaxRetryInterval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Everything a migration workflow needs to know besides the request; travels in the orchestration input.</summary>
public sealed record MigrationPolicy
{
    public PrecopyPolicy Precopy { get; init; } = new();

    public StepTimeouts Timeouts { get; init; } = new();

    public RetrySettings Retry { get; init; } = new();

    /// <summary>Longest wait between polls of a running pre-copy round (a durable timer).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Shortest wait between polls.</summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a VM lease lasts if never released (a crashed workflow), on the pipeline's clock; longer than any
    /// migration. Each move renews its leases when it starts (an evacuation's later moves wait for the earlier ones).
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromHours(2);

    public void Validate()
    {
        Precopy.Validate();
        if (Retry.MaxAttempts < 1 || Retry.BackoffCoefficient < 1 || Retry.FirstRetryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Retry: MaxAttempts >= 1, BackoffCoefficient >= 1 and FirstRetryInterval > 0 are required.");
        }

        if (MinPollInterval <= TimeSpan.Zero || PollInterval < MinPollInterval)
        {
            throw new ArgumentException("PollInterval must be >= MinPollInterval > 0.");
        }

        if (LeaseDuration <= TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("LeaseDuration must be longer than a minute.");
        }
    }
}

public sealed record MigrationWorkflowInput(MigrationRequest Request, MigrationPolicy Policy);

/// <summary>What the migration orchestration returns (and records in the migrations table).</summary>
public sealed record MigrationOutcome(
    string MigrationId,
    MigrationResult Result,
    string Reason,
    IReadOnlyList<VmMigrationOutcome> Vms,
    IReadOnlyList<StepTiming> Steps,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt);

/// <summary>The orchestration's custom status: where it is.</summary>
public sealed record MigrationProgress(string Phase, string? VmId, int Round)
{
    /// <summary>
    /// The phases in which a cancel is honoured (before resume-started). From <c>resume</c> on the migration commits;
    /// <c>abort</c>, <c>release</c> and <c>done</c> are already ending it.
    /// </summary>
    public static readonly IReadOnlySet<string> CancellablePhases =
        new HashSet<string>(StringComparer.Ordinal) { "lease", "wake", "prepare", "precopy", "quiesce" };

    public bool IsCancellable => CancellablePhases.Contains(Phase);
}

/// <summary>
/// The external event an operator raises on a running migration (<see cref="EventName"/>). Honoured before
/// resume-started (the migration aborts, outcome <see cref="MigrationResult.Cancelled"/>); recorded and ignored after it.
/// </summary>
public sealed record CancelMigration(string Reason, string Actor)
{
    public const string EventName = "CancelMigration";

    /// <summary>The reason recorded in the outcome.</summary>
    public string Describe() => $"cancelled by {Actor}: {Reason}";
}

/// <summary>The evacuation workflow's input: the planned evacuation, the policy of its moves and how many run at once.</summary>
public sealed record EvacuationWorkflowInput(EvacuationRequest Request, MigrationPolicy Policy, int MaxConcurrentMigrations);

public sealed record EvacuationOutcome(
    string EvacuationId,
    string HostId,
    bool PoweredDown,
    string Reason,
    IReadOnlyList<MigrationOutcome> Migrations);

// Activity inputs.
public sealed record LeaseInput(string Owner, IReadOnlyList<string> VmIds, TimeSpan HoldFor);

public sealed record HostInput(string HostId);

public sealed record PowerInput(string HostId, PowerAction Action);

/// <summary>One VM's hypervisor step. <see cref="HypervisorMigrationId"/> keys every call (idempotent on the host).</summary>
public sealed record VmStepInput(
    string HypervisorMigrationId,
    string VmId,
    string SourceHostId,
    string DestinationHostId,
    double MemoryMb = 0,
    double Cpu = 0,
    int Round = 0,
    bool StopAndCopy = false);

/// <summary>Names of the orchestrators and activities (the Functions app's <c>[Function]</c> shims use the same names).</summary>
public static class MigrationTaskNames
{
    public const string MigrateOrchestrator = "MigrateVmGroup";
    public const string EvacuateOrchestrator = "EvacuateHost";
    public const string AcquireLeases = "AcquireVmLeases";
    public const string ReleaseLeases = "ReleaseVmLeases";
    public const string RecordMigration = "RecordMigration";
    public const string GetHostStatus = "GetHostStatus";
    public const string SetHostPower = "SetHostPower";
    public const string Prepare = "PrepareDestination";
    public const string StartRound = "StartPrecopyRound";
    public const string GetRound = "GetPrecopyRound";
    public const string Quiesce = "QuiesceVm";
    public const string Resume = "ResumeOnDestination";
    public const string Finish = "FinishMigration";
    public const string Abort = "AbortMigration";
}
