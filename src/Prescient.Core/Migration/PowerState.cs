using System.Text.Json.Serialization;

namespace Prescient.Core.Migration;

/// <summary>A host's power state: what its hypervisor endpoint reports, what the planner sees, what the API shows.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PowerState>))]
public enum PowerState
{
    /// <summary>Running: can receive VMs.</summary>
    On,

    /// <summary>In reduced power (suspended, sleeping): sends no telemetry; can be woken to receive VMs when no running host fits.</summary>
    Reduced,

    /// <summary>Asked to wake and not yet running.</summary>
    Waking,

    /// <summary>Set by an operator (maintenance) or unreachable: never a destination.</summary>
    Unavailable,
}
