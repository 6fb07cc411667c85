using Microsoft.Extensions.Options;
using Prescient.Functions.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Durable;

/// <summary>The pipeline's durable migration scheduler over the invocation's durable client (<see cref="DurableClientScope"/>).</summary>
public sealed class FunctionsMigrationScheduler(
    IVmLeaseStore leases, IHostDirectory hosts, IOptions<MigrationOptions> options, HypervisorSettingsStatus hypervisor) : IMigrationScheduler
{
    public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
        hypervisor.Enabled
            ? Scheduler().StartAsync(request, cancellationToken)
            : Task.FromResult(Refused(request.MigrationId));

    public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) =>
        hypervisor.Enabled
            ? Scheduler().StartEvacuationAsync(request, cancellationToken)
            : Task.FromResult(Refused(request.EvacuationId));

    public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) =>
        Scheduler().GetBusyVmIdsAsync(cancellationToken);

    // Without hypervisor endpoints the migration activities are not registered: an orchestration started now could
    // only fail. Refuse instead, so the decision records why nothing moved.
    private MigrationStartResult Refused(string id) => new(id, false, "migrations are disabled: " + hypervisor.Reason);

    private DurableMigrationScheduler Scheduler() => new(DurableClientScope.Current, leases, hosts, options);
}

/// <summary>The hosts the fleet has: those that sent telemetry (the host state table).</summary>
public sealed class HostStateDirectory(HostStateStore hosts) : IHostDirectory
{
    public Task<IReadOnlyList<string>> GetHostIdsAsync(CancellationToken cancellationToken) => hosts.ListHostIdsAsync(cancellationToken);
}
