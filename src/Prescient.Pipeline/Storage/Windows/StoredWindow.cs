using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// A stored window: a host's samples in one period. <see cref="Sum"/>, <see cref="Max"/> and <see cref="Count"/> are
/// of the combined workload (the measure in force at ingest); the per-resource means let another measure be applied
/// later. <see cref="Vms"/> is the host's latest VM list (the one of its highest sequence that carried one) on the
/// window of the period that sample fell in, and null on every other window (see docs/adr/0003).
/// <see cref="Sequences"/> is empty on windows read through <see cref="WindowStore.GetLatestAsync"/>.
/// </summary>
public sealed record StoredWindow(
    string HostId,
    PeriodKey Period,
    DateTimeOffset Start,
    double Sum,
    double Max,
    int Count,
    double CpuMean,
    double MemMean,
    double IoMean,
    IReadOnlyList<SequenceRange> Sequences,
    IReadOnlyList<VmSample>? Vms,
    long? VmsSequence)
{
    public double Mean => Count == 0 ? 0 : Math.Clamp(Sum / Count, 0, 1);

    public PeriodWindow ToPeriodWindow() => new(HostId, Period, Sum, Max, Count);
}

/// <summary>A sample the window store refused (for the dead-letter table).</summary>
public sealed record RefusedSample(TelemetrySample Sample, string Code, string Reason);

/// <summary>What one <see cref="WindowStore.ApplyAsync(string, IReadOnlyList{TelemetrySample}, CancellationToken)"/> did for a host.</summary>
/// <param name="Accepted">Samples counted now.</param>
/// <param name="Duplicates">Samples already counted earlier (redeliveries): no effect.</param>
/// <param name="Conflicts">Writes lost to a concurrent writer and redone (ETag 412 / 409).</param>
/// <param name="Refused">Samples refused (window full, sequence reused or expired).</param>
public sealed record WindowWriteResult(int Accepted, int Duplicates, int Conflicts, IReadOnlyList<RefusedSample> Refused);

public sealed record WindowStoreOptions
{
    /// <summary>Most samples one window counts (protects the entity size from a hostile sender); at least one per second of the period.</summary>
    public int MaxSamplesPerWindow { get; init; } = 3_600;

    /// <summary>Attempts at one host's write when concurrent writers keep winning.</summary>
    public int MaxConflictRetries { get; init; } = 50;

    /// <summary>
    /// Most ranges a host's sequence ledger keeps (one range plus one per gap in the host's sequence numbers); beyond
    /// it the oldest are folded under the ledger's floor (see <see cref="SequenceLedger"/>). 1,000 ranges are at most
    /// about 40,000 characters, well inside one entity.
    /// </summary>
    public int MaxLedgerRanges { get; init; } = 256;

    /// <summary>
    /// Most separate sequence ranges one window keeps (one plus one per gap inside the period). A sample that would open
    /// one more is refused as <c>window-full</c>: it bounds a bucket row (up to 504 windows of at most 100 ranges of at
    /// most 7 bytes) inside the 1 MiB an entity holds, whatever a sender does. Agents number samples consecutively, so a window normally has one range.
    /// </summary>
    public int MaxRangesPerWindow { get; init; } = 100;

    /// <summary>
    /// Table partitions the hosts are spread over (by a stable hash of the host id). Fixed for the life of a table:
    /// the table records it on first use and a store configured differently refuses to start (docs/scale.md says how
    /// to choose it). An entity-group transaction spans one partition, so one transaction can carry many hosts.
    /// </summary>
    public int Partitions { get; init; } = 16;

    /// <summary>Table rows an ingester keeps in memory with their ETags, so that a steady stream writes without reading first.</summary>
    public int CachedRows { get; init; } = 50_000;

    /// <summary>Transactions of one apply submitted at once.</summary>
    public int WriteParallelism { get; init; } = 8;

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the message names it).</exception>
    public void Validate()
    {
        if (MaxSamplesPerWindow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSamplesPerWindow), MaxSamplesPerWindow, "MaxSamplesPerWindow must be at least 1.");
        }

        if (MaxConflictRetries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConflictRetries), MaxConflictRetries, "MaxConflictRetries must be at least 1.");
        }

        if (MaxLedgerRanges is < 1 or > 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLedgerRanges), MaxLedgerRanges, "MaxLedgerRanges must be between 1 and 1,000.");
        }

        if (MaxRangesPerWindow is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRangesPerWindow), MaxRangesPerWindow, "MaxRangesPerWindow must be between 1 and 100.");
        }

        if (Partitions is < 1 or > 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "Partitions must be between 1 and 1,000.");
        }

        if (CachedRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CachedRows), CachedRows, "CachedRows must be 0 (no cache) or more.");
        }

        if (WriteParallelism is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteParallelism), WriteParallelism, "WriteParallelism must be between 1 and 64.");
        }
    }
}
