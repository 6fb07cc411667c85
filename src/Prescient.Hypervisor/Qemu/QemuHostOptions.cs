namespace Prescient.Hypervisor.Qemu;

/// <summary>Where a host's load comes from.</summary>
public enum LoadSource
{
    /// <summary>The whole host (<c>/proc/stat</c>): a real host.</summary>
    Host,

    /// <summary>The QEMU processes this agent owns, over <see cref="QemuHostOptions.CpuCapacity"/>: several agents sharing one machine (the demo).</summary>
    OwnedVms,
}

/// <summary>Settings of the QEMU backend (the agent's <c>Agent:Hypervisor:Qemu</c> section).</summary>
public sealed class QemuHostOptions
{
    public string HostId { get; set; } = Environment.MachineName;

    public string QemuBinary { get; set; } = "qemu-system-x86_64";

    /// <summary>VM definitions (<c>*.json</c>, one <see cref="QemuVmDefinition"/> each); VMs received by migration are written here too.</summary>
    public string VmDirectory { get; set; } = "/etc/prescient-agent/vms";

    /// <summary>Monitor sockets, console logs, pid files.</summary>
    public string RunDirectory { get; set; } = "/run/prescient-agent/qemu";

    /// <summary>
    /// Run QEMU under <c>nice -n</c> this value (null: as the agent). Tests and the demo set 19 so that TCG guests on a
    /// shared machine take only the CPU nothing else wants.
    /// </summary>
    public int? Nice { get; set; }

    /// <summary>Start the definitions found at start that are not running yet.</summary>
    public bool Autostart { get; set; } = true;

    /// <summary>Daemonize QEMU (VMs outlive the agent and are adopted at its next start) rather than run it as a child.</summary>
    public bool DetachVms { get; set; } = true;

    /// <summary>The address incoming migrations listen on: this host's address on the migration network.</summary>
    public string MigrationAddress { get; set; } = "127.0.0.1";

    /// <summary>Migration bandwidth (QEMU <c>max-bandwidth</c> during pre-copy), MiB/s; also reported in the status.</summary>
    public double BandwidthMBps { get; set; } = 1250;

    /// <summary>
    /// QEMU's <c>downtime-limit</c> during pre-copy, ms. Small, so that QEMU keeps iterating until Prescient's stop rule
    /// asks for the quiesce; QEMU still switches over by itself when nothing is left to send.
    /// </summary>
    public int PrecopyDowntimeLimitMs { get; set; } = 1;

    /// <summary>CPU cores offered (default: the host's CPUs).</summary>
    public double? CpuCapacity { get; set; }

    /// <summary>Memory offered to VMs, MiB (default: the host's memory minus <see cref="MemoryReserveMb"/>).</summary>
    public double? MemoryMb { get; set; }

    /// <summary>Memory kept for the host itself when <see cref="MemoryMb"/> is not set, MiB.</summary>
    public double MemoryReserveMb { get; set; } = 1024;

    public LoadSource LoadSource { get; set; } = LoadSource.Host;

    /// <summary>How often CPU use is sampled (host and QEMU processes).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each running VM's dirty rate is measured with <c>calc-dirty-rate</c> (zero: never).</summary>
    public TimeSpan DirtyRateInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A prepared destination that receives nothing for this long is dropped.</summary>
    public TimeSpan PreparedTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Before resuming, compare the guest memory of both sides page by page (<c>pmemsave</c> on both, 8-byte hashes per
    /// page) and refuse to resume a copy that differs. Costs downtime (both dumps are written): for tests and diagnosis.
    /// </summary>
    public bool VerifyMemoryBeforeResume { get; set; }

    /// <summary>Keep the memory dumps of a verification in <see cref="RunDirectory"/> (tests compare them themselves).</summary>
    public bool KeepMemoryDumps { get; set; }

    public string ProcPath { get; set; } = "/proc";

    public IEnumerable<string> Problems()
    {
        if (BandwidthMBps <= 0 || double.IsInfinity(BandwidthMBps))
        {
            yield return $"BandwidthMBps must be > 0 (got {BandwidthMBps}).";
        }

        if (PrecopyDowntimeLimitMs is < 1 or > 2_000_000)
        {
            yield return $"PrecopyDowntimeLimitMs must be 1-2000000 (got {PrecopyDowntimeLimitMs}).";
        }

        if (CpuCapacity is <= 0 || MemoryMb is <= 0)
        {
            yield return "CpuCapacity and MemoryMb must be > 0 when set.";
        }

        if (SampleInterval < TimeSpan.FromMilliseconds(100) || DirtyRateInterval < TimeSpan.Zero || PreparedTimeout <= TimeSpan.Zero)
        {
            yield return "SampleInterval must be >= 100 ms, DirtyRateInterval >= 0 and PreparedTimeout > 0.";
        }

        if (!System.Net.IPAddress.TryParse(MigrationAddress, out _))
        {
            yield return $"MigrationAddress must be an IP address (got '{MigrationAddress}').";
        }
    }
}
