using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// <see cref="IMigrationScheduler"/> on Durable Task: one orchestration per VM group under a deterministic instance id,
/// one per host for its evacuation, guarded by the VM leases (taken here before scheduling, so of two simultaneous
/// requests for a VM exactly one starts; the workflow re-takes them idempotently and releases them on every path).
/// </summary>
public sealed class DurableMigrationScheduler(
    IDurableClientProvider durable,
    IVmLeaseStore leases,
    IOptions<MigrationOptions> options) : IMigrationScheduler
{
    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    public async Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var invalid = Validate(request);
        if (invalid is not null)
        {
            return new MigrationStartResult(request.MigrationId ?? "", false, invalid);
        }

        var client = durable.Client;
        var instanceId = MigrationInstanceIds.ForRequest(request);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is not null && Active.Contains(existing.RuntimeStatus))
        {
            return new MigrationStartResult(request.MigrationId, false, $"already migrating: orchestration {instanceId} is {existing.RuntimeStatus}");
        }

        var policy = options.Value.Policy;
        var lease = await leases.AcquireAllAsync(request.VmIds, request.MigrationId, policy.LeaseDuration, cancellationToken);
        if (!lease.Acquired)
        {
            return new MigrationStartResult(request.MigrationId, false, $"VM {lease.VmId} is leased by migration {lease.HeldBy}");
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                MigrationTaskNames.MigrateOrchestrator,
                new MigrationWorkflowInput(request, policy),
                new StartOrchestrationOptions { InstanceId = instanceId },
                cancellationToken);
        }
        catch
        {
            await leases.ReleaseAllAsync(request.VmIds, request.MigrationId, CancellationToken.None);
            throw;
        }

        return new MigrationStartResult(request.MigrationId, true, null);
    }

    public async Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var invalid = Validate(request);
        if (invalid is not null)
        {
            return new MigrationStartResult(request.EvacuationId ?? "", false, invalid);
        }

        var client = durable.Client;
        var instanceId = MigrationInstanceIds.ForEvacuation(request.HostId);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is not null && Active.Contains(existing.RuntimeStatus))
        {
            return new MigrationStartResult(request.EvacuationId, false, $"host {request.HostId} is already being evacuated ({instanceId})");
        }

        // Every move's leases first (each keyed by its migration id), all or none.
        var settings = options.Value;
        var taken = new List<MigrationRequest>();
        foreach (var move in request.Moves)
        {
            var lease = await leases.AcquireAllAsync(move.VmIds, move.MigrationId, settings.Policy.LeaseDuration, cancellationToken);
            if (!lease.Acquired)
            {
                await ReleaseAsync(taken);
                return new MigrationStartResult(request.EvacuationId, false, $"VM {lease.VmId} is leased by migration {lease.HeldBy}");
            }

            taken.Add(move);
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                MigrationTaskNames.EvacuateOrchestrator,
                new EvacuationWorkflowInput(request, settings.Policy, settings.EvacuationConcurrency),
                new StartOrchestrationOptions { InstanceId = instanceId },
                cancellationToken);
        }
        catch
        {
            await ReleaseAsync(taken);
            throw;
        }

        return new MigrationStartResult(request.EvacuationId, true, null);
    }

    public async Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken)
    {
        var held = await leases.GetHeldAsync(cancellationToken);
        return held.Select(l => l.VmId).ToHashSet(StringComparer.Ordinal);
    }

    private async Task ReleaseAsync(IEnumerable<MigrationRequest> moves)
    {
        foreach (var move in moves)
        {
            await leases.ReleaseAllAsync(move.VmIds, move.MigrationId, CancellationToken.None);
        }
    }

    private static string? Validate(EvacuationRequest request)
    {
        if (!IsId(request.EvacuationId))
        {
            return "EvacuationId must be non-empty and use only letters, digits, '-', '_' and '.'";
        }

        if (string.IsNullOrWhiteSpace(request.HostId))
        {
            return "HostId is required";
        }

        if (request.Moves is null)
        {
            return "Moves is required (empty when the host holds no VM)";
        }

        foreach (var move in request.Moves)
        {
            if (move is null)
            {
                return "a move is missing";
            }

            if (Validate(move) is { } invalid)
            {
                return $"move {move.MigrationId}: {invalid}";
            }

            if (move.SourceHostId != request.HostId)
            {
                return $"move {move.MigrationId} leaves {move.SourceHostId}, not the evacuated host {request.HostId}";
            }
        }

        if (request.Moves.Select(m => m.MigrationId).Distinct(StringComparer.Ordinal).Count() != request.Moves.Count)
        {
            return "the moves' migration ids must be distinct";
        }

        var vmIds = request.Moves.SelectMany(m => m.VmIds).ToList();
        return vmIds.Distinct(StringComparer.Ordinal).Count() != vmIds.Count ? "a VM is in two moves" : null;
    }

    private static string? Validate(MigrationRequest request)
    {
        if (!IsId(request.MigrationId))
        {
            return "MigrationId must be non-empty and use only letters, digits, '-', '_' and '.'";
        }

        if (string.IsNullOrWhiteSpace(request.SourceHostId) || string.IsNullOrWhiteSpace(request.DestinationHostId))
        {
            return "SourceHostId and DestinationHostId are required";
        }

        if (request.SourceHostId == request.DestinationHostId)
        {
            return "source and destination are the same host";
        }

        if (request.VmIds is null || request.VmIds.Count == 0 || request.VmIds.Any(string.IsNullOrWhiteSpace))
        {
            return "at least one VM id is required, and none may be empty";
        }

        return request.VmIds.Distinct(StringComparer.Ordinal).Count() != request.VmIds.Count ? "VM ids must be distinct" : null;
    }

    private static bool IsId(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
