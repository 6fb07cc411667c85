using Prescient.Functions.Migration;
using Prescient.Pipeline.Migration;

namespace Prescient.Functions.Durable;

/// <summary>
/// The pipeline's durable migration scheduler, refusing with the reason when no hypervisor endpoint is configured
/// (the migration activities are not registered then: an orchestration started now could only fail).
/// </summary>
public sealed class FunctionsMigrationScheduler(DurableMigrationScheduler scheduler, HypervisorSettingsStatus hypervisor) : IMigrationScheduler
{
    public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
        hypervisor.Enabled
            ? scheduler.StartAsync(request, cancellationToken)
            : Task.FromResult(Refused(request.MigrationId));

    public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) =>
        hypervisor.Enabled
            ? scheduler.StartEvacuationAsync(request, cancellationToken)
            : Task.FromResult(Refused(request.EvacuationId));

    public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) =>
        scheduler.GetBusyVmIdsAsync(cancellationToken);

    // The decision records why nothing moved.
    private MigrationStartResult Refused(string id) => new(id, false, "migrations are disabled: " + hypervisor.Reason);
}
