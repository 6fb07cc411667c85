using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Simulation.FleetService;

/// <summary>One host of an <see cref="EmulatedFleet"/> as the contract server sees it.</summary>
public sealed class EmulatedHost(EmulatedFleet fleet, string hostId) : IHypervisorHost
{
    public string HostId { get; } = hostId;

    public Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken) => Answer(fleet.Status(HostId));

    public Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken) => Answer(fleet.Power(HostId, action));

    public Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken) =>
        Answer(fleet.Prepare(HostId, migrationId, request));

    public Task<HypervisorResult<PrecopyRoundStatus>> StartRoundAsync(string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken) =>
        Answer(fleet.StartRound(HostId, migrationId, round, request));

    public Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken) =>
        Answer(fleet.GetRound(HostId, migrationId, round));

    public Task<HypervisorResult<QuiesceResponse>> QuiesceAsync(string migrationId, QuiesceRequest request, CancellationToken cancellationToken) =>
        Answer(fleet.Quiesce(HostId, migrationId, request));

    public Task<HypervisorResult<ResumeResponse>> ResumeAsync(string migrationId, CancellationToken cancellationToken) => Answer(fleet.Resume(HostId, migrationId));

    public Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken) => Answer(fleet.Finish(HostId, migrationId));

    public Task<HypervisorResult<AbortResponse>> AbortAsync(string migrationId, CancellationToken cancellationToken) => Answer(fleet.Abort(HostId, migrationId));

    public Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken) =>
        Answer(fleet.MigrationStatus(HostId, migrationId));

    private static Task<HypervisorResult<T>> Answer<T>(SimResult<T> result) =>
        Task.FromResult(new HypervisorResult<T>(result.Value, result.Status, result.Error));
}
