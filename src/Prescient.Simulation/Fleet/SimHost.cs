using Prescient.Core.Migration;

namespace Prescient.Simulation.Fleet;

/// <summary>A host in the fleet model with its running totals.</summary>
public sealed class SimHost
{
    private readonly HashSet<string> _vms = new(StringComparer.Ordinal);

    internal SimHost(HostSpec spec) => Spec = spec;

    public HostSpec Spec { get; }

    public string Id => Spec.Id;

    public PowerState PowerState { get; internal set; } = PowerState.On;

    /// <summary>When a waking host is on.</summary>
    public DateTimeOffset? AwakeAt { get; internal set; }

    public IReadOnlyCollection<string> Vms => _vms;

    internal HashSet<string> VmSet => _vms;

    public double EnergyJoules { get; internal set; }

    public TimeSpan TimeReduced { get; internal set; }

    /// <summary>Time the host's demand (with migration overheads) was at or above its capacity.</summary>
    public TimeSpan TimeSaturated { get; internal set; }

    public TimeSpan TimeActive { get; internal set; }

    /// <summary>Demand the host could not serve because it was saturated (core-seconds).</summary>
    public double UnservedCoreSeconds { get; internal set; }

    public int PowerDowns { get; internal set; }

    public int Wakes { get; internal set; }
}
