using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>What the parts of a window store share: its layout, options, calendar and measure.</summary>
internal sealed record WindowStoreContext(SeriesLayout Layout, WindowStoreOptions Options, PeriodCalendar Calendar, WorkloadMeasure Measure)
{
    public string Partition(string hostId) => Layout.PartitionOf(hostId);
}

/// <summary>
/// Hosts' 20-minute windows in an Azure table, laid out as time series (docs/adr/0003): hosts spread over a fixed
/// number of partitions; per host a head row (its sequence ledger, the windows of its newest day, its newest windows
/// and latest VM list) and one bucket row per week of older windows, the windows packed in binary columns. Each
/// window carries Core's <see cref="WindowState"/>, including the set of sequence numbers counted in it, and the
/// ledger holds every sequence number the host had counted in any window. A sample is counted only if its sequence is
/// in neither its window nor the ledger, so a sequence number is counted at most once ever, whatever its timestamp
/// says; applying a batch is idempotent: a redelivered sample is a duplicate and changes nothing, in any order.
/// A host's rows change in one entity-group transaction with its head, conditional on the ETags they were read with
/// (new rows: add), so windows and ledger change together or not at all, and a concurrent writer makes the
/// transaction fail and the host's samples be re-read and re-applied: two ingesters never lose or double-count a
/// sample. Many hosts of one partition go in one transaction, so a round of telemetry costs a few requests.
/// Rows of the earlier layout (one per host and period) are read for hosts that have no head row yet, and migrated
/// into this layout on the host's first write.
/// </summary>
public sealed class WindowStore
{
    /// <summary>Row key of a host's sequence ledger in the earlier layout (partition = host id).</summary>
    public const string LedgerRowKey = LegacyWindows.LedgerRowKey;

    internal const string ReuseAdvice =
        "A sequence number stands for one sample for the life of the host: check that the agent's next-sequence file survived (reinstall, restored disk image, cloned host).";

    private readonly WindowStoreContext _context;
    private readonly WindowWriter _writer;
    private readonly WindowReader _reader;

    public WindowStore(TableClient table, PeriodCalendar calendar, WorkloadMeasure measure, WindowStoreOptions? options = null)
        : this(table, calendar, measure, options, SeriesLayout.MaxWindowsPerBucket)
    {
    }

    /// <summary>A store whose bucket rows hold fewer days (the benchmark compares day rows with week rows).</summary>
    internal WindowStore(TableClient table, PeriodCalendar calendar, WorkloadMeasure measure, WindowStoreOptions? options, int windowsPerBucket)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(measure);
        options ??= new WindowStoreOptions();
        options.Validate();
        Table = table;
        Calendar = calendar;
        Measure = measure;
        Options = options;
        _context = new WindowStoreContext(new SeriesLayout(options.Partitions, calendar, windowsPerBucket), options, calendar, measure);
        var legacy = new LegacyWindows(table);
        _writer = new WindowWriter(table, _context, new SeriesRowCache(options.CachedRows), legacy);
        _reader = new WindowReader(table, _context, legacy);
    }

    public PeriodCalendar Calendar { get; }

    /// <summary>The options in force (validated).</summary>
    public WindowStoreOptions Options { get; }

    public WorkloadMeasure Measure { get; }

    public TableClient Table { get; }

    /// <summary>Test hook: runs after a round's rows are read (or found in the cache) and before they are written (to interleave a rival writer).</summary>
    internal Func<CancellationToken, Task>? AfterRead
    {
        get => _writer.AfterRead;
        set => _writer.AfterRead = value;
    }

    /// <summary>Test hook: runs after each committed transaction (its index in the apply), to simulate a crash between two.</summary>
    internal Func<int, CancellationToken, Task>? AfterTransaction
    {
        get => _writer.AfterTransaction;
        set => _writer.AfterTransaction = value;
    }

    /// <summary>
    /// Most characters of rows in one transaction (a transaction carries at most 4 MiB); a host whose rows would pass it
    /// is written in several transactions, a few periods at a time, each with its head. Settable so that tests can
    /// force that path.
    /// </summary>
    internal int MaxTransactionChars
    {
        get => _writer.MaxTransactionChars;
        init => _writer.MaxTransactionChars = value;
    }

    /// <summary>The period as the earlier layout's row key, <c>yyyyMMdd-NNN</c> (sorts by time).</summary>
    public static string RowKeyOf(PeriodKey period) => LegacyWindows.RowKeyOf(period);

    /// <summary>The partition a host's rows are in (diagnostics and tests).</summary>
    internal string PartitionOf(string hostId) => _context.Partition(hostId);

    /// <summary>The row key of a host's head row (diagnostics and tests).</summary>
    internal static string HeadRowKey(string hostId) => SeriesLayout.HeadKey(hostId);

    /// <summary>
    /// Counts <paramref name="samples"/> (valid samples of one host, any order) into their windows, each sequence
    /// number at most once ever. A copy of an already counted sequence is a duplicate when it lands in the window that
    /// counted it; with a timestamp in another period (or another timestamp than a copy earlier in this call) it is
    /// refused as <see cref="RejectionCodes.SequenceReused"/>, with a reason naming both.
    /// </summary>
    public async Task<WindowWriteResult> ApplyAsync(string hostId, IReadOnlyList<TelemetrySample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var results = await ApplyAsync(new Dictionary<string, IReadOnlyList<TelemetrySample>>(StringComparer.Ordinal) { [hostId] = samples }, cancellationToken);
        return results[hostId];
    }

    /// <summary>
    /// Counts many hosts' samples at once, as <see cref="ApplyAsync(string, IReadOnlyList{TelemetrySample}, CancellationToken)"/>
    /// does for one, in as few transactions as their partitions allow. When it returns, every sample is counted,
    /// a duplicate, or refused (in its host's result); if it throws, some hosts may be written and others not, and
    /// applying the same samples again counts each exactly once.
    /// </summary>
    /// <exception cref="ArgumentException">A host id is empty or has a character a row key cannot take.</exception>
    public async Task<IReadOnlyDictionary<string, WindowWriteResult>> ApplyAsync(
        IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>> samplesByHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samplesByHost);
        foreach (var hostId in samplesByHost.Keys)
        {
            SeriesLayout.CheckHostId(hostId);
        }

        var works = await _writer.ApplyAsync(samplesByHost, cancellationToken);
        var results = new Dictionary<string, WindowWriteResult>(StringComparer.Ordinal);
        foreach (var (hostId, work) in works)
        {
            var refused = work.Refused;
            if (work.Reused.Count > 0)
            {
                refused = [.. refused, .. await DescribeReusesAsync(hostId, work.Reused, cancellationToken)];
            }

            results[hostId] = new WindowWriteResult(work.AcceptedHere.Count, work.Duplicates, work.Conflicts, refused);
        }

        return results;
    }

    /// <summary>The host's sequence ledger as stored (empty when the host has none yet, e.g. windows written before the ledger existed).</summary>
    public Task<SequenceLedger> GetLedgerAsync(string hostId, CancellationToken cancellationToken)
    {
        SeriesLayout.CheckHostId(hostId);
        return _reader.GetLedgerAsync(hostId, cancellationToken);
    }

    /// <summary>Windows of <paramref name="hostId"/> from <paramref name="from"/> to <paramref name="to"/> inclusive, in period order.</summary>
    public async Task<IReadOnlyList<StoredWindow>> GetAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        SeriesLayout.CheckHostId(hostId);
        return await _reader.GetAsync(hostId, from, to, cancellationToken);
    }

    /// <summary>
    /// Only the count and mean of each window from <paramref name="from"/> to <paramref name="to"/>, in period order:
    /// the series column alone, so a retrain reading weeks of windows moves a fraction of the bytes.
    /// </summary>
    public async Task<IReadOnlyList<(PeriodKey Period, int Count, double Mean)>> GetMeansAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        SeriesLayout.CheckHostId(hostId);
        return await _reader.GetMeansAsync(hostId, from, to, cancellationToken);
    }

    /// <summary>
    /// <see cref="GetMeansAsync(string, PeriodKey, PeriodKey, CancellationToken)"/> for many hosts in a few queries
    /// (per partition, one over its heads and one over its buckets): what a fleet retrain should read. Every host
    /// asked for is in the result (an empty list when it has no windows).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<(PeriodKey Period, int Count, double Mean)>>> GetMeansAsync(
        IReadOnlyCollection<string> hostIds, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        foreach (var hostId in hostIds)
        {
            SeriesLayout.CheckHostId(hostId);
        }

        var means = await _reader.GetMeansAsync(hostIds, from, to, cancellationToken);
        return means.ToDictionary(m => m.Key, m => (IReadOnlyList<(PeriodKey, int, double)>)m.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Each host's newest windows (up to four, in period order, without their <see cref="StoredWindow.Sequences"/>),
    /// with the host's latest VM list on the window it belongs to, in one query per partition: what an evaluation
    /// cycle reads. Every host asked for is in the result (an empty list when it has no windows).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<StoredWindow>>> GetLatestAsync(IReadOnlyCollection<string> hostIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        foreach (var hostId in hostIds)
        {
            SeriesLayout.CheckHostId(hostId);
        }

        return await _reader.GetLatestAsync(hostIds, cancellationToken);
    }

    /// <summary>Every window of a host between two instants (a retrain reads a few weeks: 2,016 windows a week).</summary>
    public Task<IReadOnlyList<StoredWindow>> GetSinceAsync(string hostId, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
        GetAsync(hostId, Calendar.PeriodOf(since), Calendar.PeriodOf(until), cancellationToken);

    internal static string FormatRanges(IReadOnlyList<SequenceRange> ranges)
    {
        var builder = new StringBuilder(ranges.Count * 12);
        foreach (var range in ranges)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(range.First.ToString(CultureInfo.InvariantCulture));
            if (range.Last != range.First)
            {
                builder.Append('-').Append(range.Last.ToString(CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    internal static IReadOnlyList<SequenceRange> ParseRanges(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var ranges = new List<SequenceRange>();
        foreach (var part in text.Split(','))
        {
            var dash = part.IndexOf('-', 1);
            ranges.Add(dash < 0
                ? new SequenceRange(long.Parse(part, CultureInfo.InvariantCulture), long.Parse(part, CultureInfo.InvariantCulture))
                : new SequenceRange(long.Parse(part.AsSpan(0, dash), CultureInfo.InvariantCulture), long.Parse(part.AsSpan(dash + 1), CultureInfo.InvariantCulture)));
        }

        return ranges;
    }

    /// <summary>
    /// Reasons for samples whose sequence the ledger says was counted in another window: names the window that counted
    /// it when one within a day of the copy's timestamp has it (one read; reuses are rare).
    /// </summary>
    private async Task<List<RefusedSample>> DescribeReusesAsync(string hostId, List<(TelemetrySample Sample, PeriodKey Period)> reused, CancellationToken cancellationToken)
    {
        var from = Calendar.PeriodOf(reused.Min(r => r.Sample.Timestamp) - TimeSpan.FromDays(1));
        var to = Calendar.PeriodOf(reused.Max(r => r.Sample.Timestamp) + TimeSpan.FromDays(1));
        var windows = await _reader.GetAsync(hostId, from, to, cancellationToken);
        return reused.Select(r =>
        {
            var (sample, period) = r;
            var original = windows.FirstOrDefault(w => w.Period != period && w.Sequences.Any(s => s.First <= sample.Sequence && sample.Sequence <= s.Last));
            var where = original is null
                ? "in another period's window (none within a day of this copy)"
                : string.Create(CultureInfo.InvariantCulture, $"in the window of period {HostStep.Describe(original.Period)} (starting {original.Start:O})");
            return new RefusedSample(sample, RejectionCodes.SequenceReused, string.Create(CultureInfo.InvariantCulture,
                $"Sequence {sample.Sequence} of host '{hostId}' was already counted {where}; this copy has timestamp {sample.Timestamp:O} (period {HostStep.Describe(period)}), so it is not counted again. {ReuseAdvice}"));
        }).ToList();
    }
}
