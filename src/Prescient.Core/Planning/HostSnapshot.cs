using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Settings;
using Prescient.Core.Workload;

namespace Prescient.Core.Planning;

/// <summary>A host as the planner sees it.</summary>
/// <param name="HostId">The host.</param>
/// <param name="CpuCapacityCores">Its CPU capacity in cores (any unit consistent with the VMs' <see cref="VmSnapshot.CpuCores"/>).</param>
/// <param name="MemoryMb">Memory available to VMs, in MB; never overcommitted by a move.</param>
/// <param name="PowerState">On, reduced (can be woken for an offload when no running host fits), waking or unavailable.</param>
/// <param name="Settings">Its effective settings (ranges, controller mode, guard knobs, dry run).</param>
public sealed record HostSnapshot(string HostId, double CpuCapacityCores, double MemoryMb, PowerState PowerState, HostSettings Settings)
{
    /// <summary>The host; not empty.</summary>
    public string HostId { get; init; } = string.IsNullOrWhiteSpace(HostId) ? throw new ArgumentException("A host needs an id.", nameof(HostId)) : HostId;

    /// <summary>CPU capacity; above 0.</summary>
    public double CpuCapacityCores { get; init; } = double.IsFinite(CpuCapacityCores) && CpuCapacityCores > 0
        ? CpuCapacityCores
        : throw new ArgumentOutOfRangeException(nameof(CpuCapacityCores), CpuCapacityCores, "A host's CPU capacity must be a finite number of cores above 0.");

    /// <summary>Memory for VMs; finite, 0 or more.</summary>
    public double MemoryMb { get; init; } = double.IsFinite(MemoryMb) && MemoryMb >= 0
        ? MemoryMb
        : throw new ArgumentOutOfRangeException(nameof(MemoryMb), MemoryMb, "A host's memory must be a finite number of MB, 0 or more.");

    /// <summary>The settings.</summary>
    public HostSettings Settings { get; init; } = Settings ?? throw new ArgumentNullException(nameof(Settings));

    /// <summary>The load of the period just ended, in [0, 1]; null when none was measured (no controller run, no VMs received).</summary>
    public double? MeasuredLoad { get; init; }

    /// <summary>The selected model's forecast, if any.</summary>
    public HostForecast? Forecast { get; init; }

    /// <summary>|measured - predicted| of the period just ended, for autostart; null when there was no prediction.</summary>
    public double? PredictionError { get; init; }

    /// <summary>The controller state stored after the last evaluation (a host restarts in its last mode).</summary>
    public ControllerState ControllerState { get; init; } = ControllerState.Initial;

    /// <summary>Since when the last decision's indication has held (for the hold duration); null when unknown.</summary>
    public DateTimeOffset? IndicationSince { get; init; }

    /// <summary>
    /// False when this host's controller must not run in this cycle (another evaluator did it): it is then a destination
    /// only, judged by its measured load and forecast.
    /// </summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>
    /// The capacity of one core, in the unit of <see cref="CpuCapacityCores"/> (null: no per-core limit). A VM fits only
    /// where each of its vCPUs' demand fits one core (a vCPU cannot use more than one physical core).
    /// </summary>
    public double? CoreCapacity { get; init; }

    /// <summary>Order in which reduced-power hosts are woken (lower first, for example watts per core at full load); ties by id.</summary>
    public double WakeOrder { get; init; }

    /// <summary>Validates the measured load (called by the planner).</summary>
    internal double? Measured => MeasuredLoad is { } m ? Utilisation.Validate(m, nameof(MeasuredLoad)) : null;
}
