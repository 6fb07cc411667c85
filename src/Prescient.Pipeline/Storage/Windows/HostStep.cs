using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>The samples of one host in one period, in sequence order.</summary>
internal sealed record PeriodSamples(PeriodKey Period, List<TelemetrySample> Samples);

/// <summary>
/// One host's share of a transaction, computed without I/O from the host's rows as read: classifies every sample
/// (counted, duplicate, reused, expired, refused), applies the counted ones to their windows and the ledger, moves the
/// head's windows to their bucket when a newer day starts, and produces the rows to write. The rows are decoded
/// afresh for every step, so a step that is not committed leaves nothing behind.
/// </summary>
internal sealed class HostStep
{
    private HostStep(string hostId) => HostId = hostId;

    public string HostId { get; }

    public int Duplicates { get; private set; }

    public List<RefusedSample> Refused { get; } = [];

    public List<(TelemetrySample Sample, PeriodKey Period)> Reused { get; } = [];

    public List<long> Counted { get; } = [];

    /// <summary>The rows to write (head last); empty when nothing changed.</summary>
    public List<(TableEntity Entity, TableTransactionAction Action)> Writes { get; } = [];

    public int Chars { get; private set; }

    /// <summary>Bucket rows the step needs for <paramref name="periods"/>: those of older days than the head's new day.</summary>
    public static HashSet<DateOnly> RequiredBuckets(HeadRow head, IReadOnlyList<PeriodSamples> periods, SeriesLayout layout)
    {
        var target = periods.Max(p => p.Period.Date);
        if (head.Day is { } headDay && headDay > target)
        {
            target = headDay;
        }

        var buckets = periods.Where(p => p.Period.Date < target).Select(p => layout.BucketOf(p.Period.Date)).ToHashSet();
        if (head.Day is { } day && day < target && head.Windows.Count > 0)
        {
            buckets.Add(layout.BucketOf(day));
        }

        return buckets;
    }

    public static HostStep Compute(
        HeadRow head,
        IReadOnlyDictionary<DateOnly, BucketRow> buckets,
        IReadOnlyList<PeriodSamples> periods,
        IReadOnlySet<long> acceptedHere,
        bool forceHeadWrite,
        WindowStoreContext context)
    {
        var step = new HostStep(head.HostId);
        var layout = context.Layout;
        var view = new Dictionary<PeriodKey, WindowData>();
        foreach (var window in head.Windows.Concat(buckets.Values.SelectMany(b => b.Windows)))
        {
            view[window.Period] = window;
        }

        var ledger = head.Ledger;
        var ledgerRepaired = false;
        var changed = new HashSet<PeriodKey>();
        TelemetrySample? newestVms = null;
        PeriodKey newestVmsPeriod = default;
        foreach (var (period, samples) in periods)
        {
            view.TryGetValue(period, out var window);
            foreach (var sample in samples)
            {
                if (window is not null && window.Accumulator.Sequences.Contains(sample.Sequence))
                {
                    if (!acceptedHere.Contains(sample.Sequence))
                    {
                        step.Duplicates++;
                    }

                    // Counted in this window but unknown to the ledger: a window written before the ledger existed.
                    // Recording it now protects it from a reuse in another period from here on.
                    ledgerRepaired |= ledger.Add(sample.Sequence);
                    continue;
                }

                switch (ledger.StatusOf(sample.Sequence))
                {
                    case LedgerStatus.Counted:
                        step.Reused.Add((sample, period));
                        continue;
                    case LedgerStatus.BelowFloor:
                        step.Refused.Add(new RefusedSample(sample, RejectionCodes.SequenceExpired, string.Create(CultureInfo.InvariantCulture,
                            $"Sequence {sample.Sequence} of host '{head.HostId}' (timestamp {sample.Timestamp:O}, period {Describe(period)}) is below the host's ledger floor {ledger.Floor} and not counted in its period's window: sequences under the floor were counted in another period or given up long ago (the ledger keeps the newest {context.Options.MaxLedgerRanges} ranges), so it is not counted. {WindowStore.ReuseAdvice}")));
                        continue;
                    default:
                        break;
                }

                window ??= view[period] = new WindowData(new WindowAccumulator(head.HostId, period));
                if (window.Accumulator.Count >= context.Options.MaxSamplesPerWindow)
                {
                    step.Refused.Add(new RefusedSample(sample, RejectionCodes.WindowFull, string.Create(CultureInfo.InvariantCulture,
                        $"The window {Describe(period)} of host '{head.HostId}' already counts {window.Accumulator.Count} samples, the most one period takes.")));
                    continue;
                }

                var sequences = window.Accumulator.Sequences;
                if (sequences.Ranges.Count >= context.Options.MaxRangesPerWindow && !sequences.Contains(sample.Sequence - 1) && !sequences.Contains(sample.Sequence + 1))
                {
                    step.Refused.Add(new RefusedSample(sample, RejectionCodes.WindowFull, string.Create(CultureInfo.InvariantCulture,
                        $"The window {Describe(period)} of host '{head.HostId}' already holds {sequences.Ranges.Count} separate runs of sequence numbers, the most one window keeps; sequence {sample.Sequence} would start another.")));
                    continue;
                }

                var workload = Math.Clamp(context.Measure.Combine(sample.Cpu, sample.Mem, sample.Io), 0, 1);
                window.Accumulator.Apply(new WorkloadSample(head.HostId, sample.Sequence, sample.Timestamp, workload));
                window.CpuNanos += ToNanos(sample.Cpu);
                window.MemNanos += ToNanos(sample.Mem);
                window.IoNanos += ToNanos(sample.Io);
                ledger.Add(sample.Sequence);
                if (sample.Vms is not null && (head.VmsSequence is not { } vmsSequence || sample.Sequence > vmsSequence) &&
                    (newestVms is null || sample.Sequence > newestVms.Sequence))
                {
                    newestVms = sample;
                    newestVmsPeriod = period;
                }

                changed.Add(period);
                step.Counted.Add(sample.Sequence);
            }
        }

        if (step.Counted.Count == 0 && !ledgerRepaired && !forceHeadWrite)
        {
            return step;
        }

        // The head keeps the newest day with counted samples; every older window lives in its bucket row.
        var oldDay = head.Day;
        var newDay = oldDay;
        if (changed.Count > 0 && changed.Max(p => p.Date) is var newest && (oldDay is null || newest > oldDay))
        {
            newDay = newest;
        }

        var touchedBuckets = changed.Where(p => p.Date < newDay).Select(p => layout.BucketOf(p.Date)).ToHashSet();
        if (oldDay is { } movedDay && movedDay < newDay && head.Windows.Count > 0)
        {
            touchedBuckets.Add(layout.BucketOf(movedDay));
        }

        foreach (var start in touchedBuckets.Order())
        {
            var end = start.AddDays(layout.BucketDays);
            var row = buckets.TryGetValue(start, out var existing) ? existing : new BucketRow { Start = start };
            row.Windows = [.. view.Values.Where(w => w.Period.Date >= start && w.Period.Date < end && w.Period.Date < newDay).OrderBy(w => w.Period)];
            var entity = SeriesRows.ToEntity(context.Partition(head.HostId), head.HostId, row, layout.PeriodsPerDay);
            step.Add(entity, row.Stored ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, row.ETag) : new TableTransactionAction(TableTransactionActionType.Add, entity));
        }

        head.Day = newDay;
        head.Windows = newDay is { } day ? [.. view.Values.Where(w => w.Period.Date == day).OrderBy(w => w.Period)] : [];
        head.Latest = [.. head.Latest.Where(l => !changed.Contains(l.Period))
            .Concat(changed.Select(p => view[p].ToLatest()))
            .OrderByDescending(l => l.Period)
            .Take(HeadRow.LatestCount)
            .OrderBy(l => l.Period)];
        if (newestVms is not null)
        {
            head.VmsJson = JsonSerializer.Serialize(newestVms.Vms, StorageJsonContext.Default.IReadOnlyListVmSample);
            head.VmsSequence = newestVms.Sequence;
            head.VmsPeriod = newestVmsPeriod;
        }

        ledger.Compact(context.Options.MaxLedgerRanges);
        var headEntity = SeriesRows.ToEntity(context.Partition(head.HostId), head, layout.PeriodsPerDay);
        step.Add(headEntity, head.Stored ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, headEntity, head.ETag) : new TableTransactionAction(TableTransactionActionType.Add, headEntity));
        return step;
    }

    internal static string Describe(PeriodKey period) =>
        period.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " #" + period.Index.ToString(CultureInfo.InvariantCulture);

    internal static long ToNanos(double value) => (long)Math.Round(value * WindowAccumulator.NanosPerUnit, MidpointRounding.ToEven);

    private void Add(TableEntity entity, TableTransactionAction action)
    {
        Writes.Add((entity, action));
        Chars += SeriesRows.EstimateChars(entity);
    }
}
