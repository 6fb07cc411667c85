using Prescient.Core.Workload;

namespace Prescient.Core.Windows;

/// <summary>
/// One measured workload of a host. <see cref="Sequence"/> is unique per host (the agent's counter): a sample
/// delivered twice carries the same sequence and is counted once.
/// </summary>
public sealed record WorkloadSample(string HostId, long Sequence, DateTimeOffset Timestamp, double Workload)
{
    /// <summary>The host; not empty.</summary>
    public string HostId { get; init; } = string.IsNullOrWhiteSpace(HostId)
        ? throw new ArgumentException("A sample needs a host id.", nameof(HostId))
        : HostId;

    /// <summary>The per-host sequence number; 0 or more.</summary>
    public long Sequence { get; init; } = Sequence >= 0
        ? Sequence
        : throw new ArgumentOutOfRangeException(nameof(Sequence), Sequence, "A sample's sequence number must be 0 or more.");

    /// <summary>The workload in [0, 1].</summary>
    public double Workload { get; init; } = Utilisation.Validate(Workload, nameof(Workload));
}
