namespace Prescient.Pipeline.Migration;

/// <summary>A request to move one VM or one move-together group from a source host to a destination.</summary>
public sealed record MigrationRequest(
    string MigrationId,
    string SourceHostId,
    string DestinationHostId,
    IReadOnlyList<string> VmIds,
    string? GroupId,
    string Reason,
    DateTimeOffset RequestedAt)
{
    /// <summary>
    /// The destination is powered down and the migration wakes it first (the selector found no running host that
    /// fits). False by default, so inputs of orchestrations started before this existed replay unchanged.
    /// </summary>
    public bool WakeDestination { get; init; }
}

/// <summary>
/// A planned evacuation (the reduce-power indication): the moves that empty <see cref="HostId"/>, each a migration of
/// its own (its id, destination and <see cref="MigrationRequest.WakeDestination"/> flag), run by one durable workflow
/// that then checks the host is empty and reduces its power. Planning happens in the evaluator, not in the workflow.
/// </summary>
public sealed record EvacuationRequest(
    string EvacuationId,
    string HostId,
    string Reason,
    IReadOnlyList<MigrationRequest> Moves,
    DateTimeOffset RequestedAt);

/// <summary>What became of a request: started, or refused with a reason (for example the VM is already moving).</summary>
public sealed record MigrationStartResult(string MigrationId, bool Started, string? RefusalReason);

/// <summary>
/// Where the evaluator hands migrations. The durable implementation starts one orchestration per VM group with a
/// deterministic instance id and takes the VM leases; the evaluator asks it which VMs are busy before planning.
/// </summary>
public interface IMigrationScheduler
{
    Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the evacuation of a host (reduce-power): run the planned moves (each takes its VMs' leases), then power
    /// the host down once it is empty, or record why not. Refused (nothing started) when the host is already being
    /// evacuated or a move's VM is leased by another migration.
    /// </summary>
    Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken);

    Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken);
}
