using System.ComponentModel.DataAnnotations;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Prescient.Pipeline.Migration;

/// <summary>Settings of migrations started by the pipeline.</summary>
public sealed class MigrationOptions
{
    public const string SectionName = "Migration";

    public MigrationPolicy Policy { get; set; } = new();

    /// <summary>VM migrations an evacuation runs at once.</summary>
    [Range(1, 64)]
    public int EvacuationConcurrency { get; set; } = 2;

    /// <summary>Destinations of an evacuation must stay at or under this load after the arrivals.</summary>
    [Range(0.05, 1.0)]
    public double EvacuationLoadCeiling { get; set; } = 0.8;
}

/// <summary>Which hosts exist (destinations for evacuations). The pipeline's hosts table implements it in Azure.</summary>
public interface IHostDirectory
{
    Task<IReadOnlyList<string>> GetHostIdsAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed list of hosts (configuration, the simulator, tests).</summary>
public sealed class StaticHostDirectory(IEnumerable<string> hostIds) : IHostDirectory
{
    private readonly IReadOnlyList<string> _hostIds = hostIds.ToList();

    public Task<IReadOnlyList<string>> GetHostIdsAsync(CancellationToken cancellationToken) => Task.FromResult(_hostIds);
}

/// <summary>Deterministic orchestration instance ids: one per VM group, so a VM is never in two migrations.</summary>
public static class MigrationInstanceIds
{
    public static string ForRequest(MigrationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.GroupId is { Length: > 0 } group
            ? "group-" + group
            : "vm-" + string.Join("+", request.VmIds.Order(StringComparer.Ordinal));
        return "migrate-" + Sanitise(key);
    }

    public static string ForEvacuation(string hostId) => "evacuate-" + Sanitise(hostId);

    private static string Sanitise(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' ? c : '-'));
}

/// <summary>
/// <see cref="IMigrationScheduler"/> on Durable Task: one orchestration per VM group under a deterministic instance id,
/// guarded by the VM leases (taken here before scheduling, so of two simultaneous requests for a VM exactly one
/// starts; the orchestration re-takes them idempotently and releases them on every path).
/// </summary>
public sealed class DurableMigrationScheduler(
    DurableTaskClient client,
    IVmLeaseStore leases,
    IHostDirectory hosts,
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
        ArgumentException.ThrowIfNullOrWhiteSpace(request.EvacuationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.HostId);
        var instanceId = MigrationInstanceIds.ForEvacuation(request.HostId);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is not null && Active.Contains(existing.RuntimeStatus))
        {
            return new MigrationStartResult(request.EvacuationId, false, $"host {request.HostId} is already being evacuated ({instanceId})");
        }

        var settings = options.Value;
        var candidates = (await hosts.GetHostIdsAsync(cancellationToken)).Where(h => h != request.HostId).ToList();
        await client.ScheduleNewOrchestrationInstanceAsync(
            MigrationTaskNames.EvacuateOrchestrator,
            new EvacuationWorkflowInput(request.EvacuationId, request.HostId, request.Reason, candidates, settings.EvacuationConcurrency, settings.EvacuationLoadCeiling, settings.Policy)
            {
                Plan = request.Moves.Count == 0 ? null : PlanOf(request),
            },
            new StartOrchestrationOptions { InstanceId = instanceId },
            cancellationToken);
        return new MigrationStartResult(request.EvacuationId, true, null);
    }

    /// <summary>The planner's moves in the evacuation workflow's shape.</summary>
    public static Core.Migration.EvacuationPlan PlanOf(EvacuationRequest request) => new(
        request.HostId,
        [.. request.Moves.Select(m => new Core.Migration.PlannedMove(m.GroupId is null ? "vm:" + m.VmIds[0] : "group:" + m.GroupId, m.GroupId, m.VmIds, m.DestinationHostId))],
        [.. request.Moves.Where(m => m.WakeDestination).Select(m => m.DestinationHostId).Distinct(StringComparer.Ordinal)],
        []);

    public async Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken)
    {
        var held = await leases.GetHeldAsync(cancellationToken);
        return held.Select(l => l.VmId).ToHashSet(StringComparer.Ordinal);
    }

    private static string? Validate(MigrationRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.MigrationId) || request.MigrationId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
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
}
