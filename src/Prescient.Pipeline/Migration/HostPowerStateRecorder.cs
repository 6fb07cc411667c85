using Prescient.Core.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// Where the pipeline keeps each host's power state for the evaluator (which offers sleeping hosts as destinations to
/// wake). The power activity records what the hypervisor answered after it woke or powered down a host.
/// </summary>
public interface IHostPowerStateRecorder
{
    Task RecordAsync(string hostId, PowerState powerState, CancellationToken cancellationToken);
}

/// <summary>Records power states in the hosts table (<see cref="HostStateStore.SetPowerStateAsync"/>).</summary>
public sealed class HostStatePowerRecorder(HostStateStore hosts) : IHostPowerStateRecorder
{
    /// <summary>The stored name of a hypervisor power state: On, Sleeping (reduced power) or Waking.</summary>
    public static string StoredName(PowerState powerState) => powerState switch
    {
        PowerState.On => "On",
        PowerState.Reduced => "Sleeping",
        PowerState.Waking => "Waking",
        _ => throw new ArgumentOutOfRangeException(nameof(powerState), powerState, "Unknown power state."),
    };

    public Task RecordAsync(string hostId, PowerState powerState, CancellationToken cancellationToken) =>
        hosts.SetPowerStateAsync(hostId, StoredName(powerState), cancellationToken);
}
