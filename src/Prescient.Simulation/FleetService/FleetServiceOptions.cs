using System.ComponentModel.DataAnnotations;
using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

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
