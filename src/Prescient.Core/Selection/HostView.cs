using Prescient.Core.Migration;
using Prescient.Core.Settings;
using Prescient.Core.Workload;

namespace Prescient.Core.Selection;

/// <summary>
/// A host's status as destination selection sees it.
/// </summary>
/// <param name="HostId">The host.</param>
/// <param name="CpuCapacity">CPU capacity in any consistent unit (for example cores); converts VM shares between hosts of different sizes.</param>
/// <param name="MemoryMb">Memory available to VMs, in MB.</param>
/// <param name="UsedMemoryMb">Memory its VMs hold now, in MB.</param>
/// <param name="Measured">Its measured workload in [0, 1].</param>
/// <param name="PredictedNext">Its predicted workload for the next periods, each in [0, 1] (may be empty).</param>
/// <param name="PowerState">On, sleeping or unavailable.</param>
/// <param name="Range">The operating range it must stay inside.</param>
public sealed record HostView(
    string HostId,
    double CpuCapacity,
    double MemoryMb,
    double UsedMemoryMb,
    double Measured,
    IReadOnlyList<double> PredictedNext,
    PowerState PowerState,
    WorkloadRange Range)
{
    /// <summary>The host; not empty.</summary>
    public string HostId { get; init; } = string.IsNullOrWhiteSpace(HostId) ? throw new ArgumentException("A host needs an id.", nameof(HostId)) : HostId;

    /// <summary>CPU capacity; above 0.</summary>
    public double CpuCapacity { get; init; } = double.IsFinite(CpuCapacity) && CpuCapacity > 0
        ? CpuCapacity
        : throw new ArgumentOutOfRangeException(nameof(CpuCapacity), CpuCapacity, "A host's CPU capacity must be a finite number above 0.");

    /// <summary>Memory for VMs; finite, 0 or more.</summary>
    public double MemoryMb { get; init; } = double.IsFinite(MemoryMb) && MemoryMb >= 0
        ? MemoryMb
        : throw new ArgumentOutOfRangeException(nameof(MemoryMb), MemoryMb, "A host's memory must be a finite number of MB, 0 or more.");

    /// <summary>Memory in use; finite, 0 or more.</summary>
    public double UsedMemoryMb { get; init; } = double.IsFinite(UsedMemoryMb) && UsedMemoryMb >= 0
        ? UsedMemoryMb
        : throw new ArgumentOutOfRangeException(nameof(UsedMemoryMb), UsedMemoryMb, "A host's used memory must be a finite number of MB, 0 or more.");

    /// <summary>Measured workload in [0, 1].</summary>
    public double Measured { get; init; } = Utilisation.Validate(Measured, nameof(Measured));

    /// <summary>Predicted workloads, each in [0, 1].</summary>
    public IReadOnlyList<double> PredictedNext { get; init; } = ValidatePredictions(PredictedNext);

    /// <summary>The operating range.</summary>
    public WorkloadRange Range { get; init; } = Range ?? throw new ArgumentNullException(nameof(Range));

    /// <summary>The highest of the measured and predicted workloads: what must stay inside the range.</summary>
    public double PeakLoad
    {
        get
        {
            var peak = Measured;
            foreach (var p in PredictedNext)
            {
                peak = Math.Max(peak, p);
            }

            return peak;
        }
    }

    private static IReadOnlyList<double> ValidatePredictions(IReadOnlyList<double>? predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions, nameof(PredictedNext));
        for (var i = 0; i < predictions.Count; i++)
        {
            Utilisation.Validate(predictions[i], $"{nameof(PredictedNext)}[{i}]");
        }

        return predictions;
    }
}
