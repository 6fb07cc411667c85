using System.ComponentModel.DataAnnotations;
using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>A simulated host. CPU in cores, memory in MB, migration network bandwidth in MB/s.</summary>
public sealed record SimHostSpec(
    string HostId,
    double CpuCapacity = 32,
    double MemoryMb = 262_144,
    double BandwidthMBps = 1_250,
    PowerState PowerState = PowerState.On);

/// <summary>A simulated VM placed on <see cref="HostId"/>, running.</summary>
public sealed record SimVmSpec(string VmId, string HostId, double Cpu, double MemoryMb, double DirtyRateMBps, string? GroupId = null);

public enum FaultKind
{
    /// <summary>The host stops answering (calls hang; relays to it time out) for the duration, or until cleared.</summary>
    Unresponsive,

    /// <summary>At its next resume as a destination it does not start the VM and stops answering (before resume-started).</summary>
    UnresponsiveOnResume,

    /// <summary>At its next resume as a destination it starts the VM, then stops answering: the resume-started answer is lost.</summary>
    UnresponsiveAfterResumeStarted,

    /// <summary>Prepare is refused (with <see cref="FaultSpec.Reason"/>).</summary>
    RefusePrepare,

    /// <summary>Every call to the host takes <see cref="FaultSpec.DelayMs"/> longer.</summary>
    Slow,

    /// <summary>The next <see cref="FaultSpec.Count"/> calls to the host answer 503.</summary>
    Errors,
}

/// <summary>A fault to inject. Durations are wall-clock seconds; null means until cleared.</summary>
public sealed record FaultSpec(string HostId, FaultKind Kind, double? DurationSeconds = null, int Count = 0, int DelayMs = 0, string? Reason = null);

public sealed record VmUpdate(double? DirtyRateMBps, double? Cpu);

/// <summary>Settings of the fleet simulator service.</summary>
public sealed class FleetServiceOptions
{
    /// <summary>Simulated seconds per wall-clock second (1 = real time).</summary>
    [Range(0.001, 1_000_000)]
    public double Acceleration { get; set; } = 1;

    /// <summary>The secret each host's bearer token is derived from (<see cref="HostTokens"/>).</summary>
    [Required]
    [MinLength(16)]
    public string FleetSecret { get; set; } = "";

    /// <summary>Bearer token for the /admin endpoints (fault injection, fleet snapshot).</summary>
    [Required]
    [MinLength(16)]
    public string AdminToken { get; set; } = "";

    /// <summary>How long a source waits for an unresponsive destination before answering 504 (wall clock).</summary>
    public TimeSpan DestinationReplyTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest an unresponsive host holds a call before answering 504 itself (wall clock).</summary>
    public TimeSpan MaxHang { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>CPU cores a running migration costs on each of its two hosts.</summary>
    public double MigrationCpuCost { get; set; } = 1.0;

    /// <summary>Size of a VM's non-memory (device) state.</summary>
    public double NonMemoryStateMb { get; set; } = 4;

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }
}
