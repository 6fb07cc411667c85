using Prescient.Core.Migration;

namespace Prescient.Hypervisor.Contract;

/// <summary>
/// One host as the hypervisor contract sees it (docs/hypervisor-api.md). Implemented by the fleet emulator (one per
/// simulated host) and by the real backends (QEMU over QMP, libvirt); <see cref="HypervisorEndpoints"/> serves it over
/// HTTP. Every migration step is keyed by its migration id and idempotent: repeating a step returns the recorded answer.
/// </summary>
public interface IHypervisorHost
{
    string HostId { get; }

    Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken);

    Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken);

    /// <summary>On the destination: may it receive the VM? OK reserves room for it.</summary>
    Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken);

    /// <summary>On the source: start pre-copy round <paramref name="round"/> (numbered from 1, in order).</summary>
    Task<HypervisorResult<PrecopyRoundStatus>> StartRoundAsync(string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken);

    Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken);

    Task<HypervisorResult<QuiesceResponse>> QuiesceAsync(string migrationId, QuiesceRequest request, CancellationToken cancellationToken);

    Task<HypervisorResult<ResumeResponse>> ResumeAsync(string migrationId, CancellationToken cancellationToken);

    Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken);

    Task<HypervisorResult<AbortResponse>> AbortAsync(string migrationId, CancellationToken cancellationToken);

    Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken);
}
