using Prescient.Core.Migration;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>The destination's reservation for one libvirt migration.</summary>
internal sealed class LibvirtIncoming(string migrationId, PrepareRequest request)
{
    public string MigrationId { get; } = migrationId;

    public PrepareRequest Request { get; } = request;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public PrepareResponse? Answer { get; set; }

    public ResumeIncomingResponse? ResumeAnswer { get; set; }

    public double MemoryMb { get; set; }

    public int Port { get; set; }

    public bool Prepared { get; set; }

    public bool Resumed { get; set; }

    public bool Dropped { get; set; }

    public bool Holds => Prepared && !Resumed && !Dropped;
}
