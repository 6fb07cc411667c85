using Prescient.Hypervisor.Contract;

namespace Prescient.Hypervisor.Peers;

/// <summary>The agent-to-agent side of a migration (see <see cref="PeerEndpoints"/>).</summary>
public interface IMigrationPeer
{
    /// <summary>On the source: a destination prepared this migration; answers the VM's definition.</summary>
    Task<HypervisorResult<OutgoingGrant>> RegisterOutgoingAsync(string migrationId, OutgoingRequest request, CancellationToken cancellationToken);

    /// <summary>On the destination: where to send the migration stream.</summary>
    Task<HypervisorResult<IncomingInfo>> GetIncomingAsync(string migrationId, CancellationToken cancellationToken);

    /// <summary>On the destination: start the received VM; its answer is resume-started.</summary>
    Task<HypervisorResult<ResumeIncomingResponse>> ResumeIncomingAsync(string migrationId, ResumeIncomingRequest request, CancellationToken cancellationToken);

    /// <summary>On the destination: drop the copy (the source keeps or takes back the VM). Refused after resume-started.</summary>
    Task<HypervisorResult<DropIncomingResponse>> DropIncomingAsync(string migrationId, CancellationToken cancellationToken);
}
