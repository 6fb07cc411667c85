using Prescient.Hypervisor.Qemu;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>Settings of the libvirt backend (the agent's <c>Agent:Hypervisor:Libvirt</c> section).</summary>
public sealed class LibvirtHostOptions
{
    public string HostId { get; set; } = Environment.MachineName;

    public string Virsh { get; set; } = "virsh";

    /// <summary>How this agent reaches its own daemon.</summary>
    public string ConnectUri { get; set; } = "qemu:///system";

    /// <summary>How the other hosts' daemons reach this daemon for peer-to-peer migration (e.g. <c>qemu+tls://h2.example/system</c>).</summary>
    public string PeerConnectUri { get; set; } = "qemu:///system";

    /// <summary>This host's address on the migration network (the QEMU stream goes to it).</summary>
    public string MigrationAddress { get; set; } = "127.0.0.1";

    /// <summary>The first port of the daemon's <c>migration_port_min</c>..<c>max</c> range; each incoming migration takes the next free one.</summary>
    public int MigrationPortMin { get; set; } = 49152;

    public int MigrationPortMax { get; set; } = 49215;

    /// <summary>Migration bandwidth (<c>virsh migrate-setspeed</c>), MiB/s.</summary>
    public double BandwidthMBps { get; set; } = 1250;

    /// <summary>Max downtime during pre-copy (<c>migrate-setmaxdowntime</c>), ms: small, so libvirt iterates until the quiesce.</summary>
    public int PrecopyDowntimeLimitMs { get; set; } = 1;

    /// <summary>Pass <c>--unsafe</c>: the disks are on storage libvirt cannot recognise as shared (a plain file both hosts see).</summary>
    public bool Unsafe { get; set; }

    public double? CpuCapacity { get; set; }

    public double? MemoryMb { get; set; }

    public double MemoryReserveMb { get; set; } = 1024;

    public LoadSource LoadSource { get; set; } = LoadSource.Host;

    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    public string ProcPath { get; set; } = "/proc";

    public IEnumerable<string> Problems()
    {
        if (BandwidthMBps <= 0 || MigrationPortMin is < 1 or > 65535 || MigrationPortMax < MigrationPortMin || MigrationPortMax > 65535)
        {
            yield return "BandwidthMBps must be > 0 and MigrationPortMin..MigrationPortMax a port range.";
        }

        if (!System.Net.IPAddress.TryParse(MigrationAddress, out _))
        {
            yield return $"MigrationAddress must be an IP address (got '{MigrationAddress}').";
        }

        if (string.IsNullOrWhiteSpace(ConnectUri) || string.IsNullOrWhiteSpace(PeerConnectUri))
        {
            yield return "ConnectUri and PeerConnectUri are required.";
        }
    }
}
