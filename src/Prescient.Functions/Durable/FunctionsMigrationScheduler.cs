using Microsoft.Extensions.Options;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Durable;

/// <summary>The pipeline's durable migration scheduler over the invocation's durable client (<see cref="DurableClientScope"/>).</summary>
public sealed class FunctionsMigrationScheduler(IVmLeaseStore leases, IHostDirectory hosts, IOptions<MigrationOptions> options) : IMigrationScheduler
{
    public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
        Scheduler().StartAsync(request, cancellationToken);

    public Task<MigrationStartResult> StartEvacuationAsync(string evacuationId, string hostId, string reason, CancellationToken cancellationToken) =>
        Scheduler().StartEvacuationAsync(evacuationId, hostId, reason, cancellationToken);

    public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) =>
        Scheduler().GetBusyVmIdsAsync(cancellationToken);

    private DurableMigrationScheduler Scheduler() => new(DurableClientScope.Current, leases, hosts, options);
}

/// <summary>The hosts the fleet has: those that sent telemetry (the host state table).</summary>
public sealed class HostStateDirectory(HostStateStore hosts) : IHostDirectory
{
    public Task<IReadOnlyList<string>> GetHostIdsAsync(CancellationToken cancellationToken) => hosts.ListHostIdsAsync(cancellationToken);
}
