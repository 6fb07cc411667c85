using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Telemetry;

namespace Prescient.Agent.Buffering;

/// <summary>
/// The agent's write-ahead buffer, one folder:
/// <list type="bullet">
/// <item><c>open.json</c>: the batch being filled; rewritten (temp + fsync + rename) after every sample, so a crash
/// loses no sample that was taken.</item>
/// <item><c>batch-FIRST-LAST.json</c>: sealed batches in sequence order, deleted only after a successful publish.</item>
/// <item><c>next-sequence</c>: the next per-host sequence number, written (fsync'd) when a batch is sealed; on open the
/// next sequence is the larger of it and every buffered sequence + 1, so sequences keep increasing across restarts.</item>
/// <item><c>rejected/</c>: files that cannot be read or that the transport refuses for good, kept for inspection.</item>
/// </list>
/// Bounded by bytes and batch count: when full, the oldest sealed batches are dropped, counted and warned about.
/// Thread-safe: the sampler appends and seals while the publisher peeks and removes.
/// </summary>
public sealed partial class DiskBuffer : IDisposable
{
    public const string OpenFileName = "open.json";
    public const string SequenceFileName = "next-sequence";
    public const string RejectedFolderName = "rejected";
    private const string LockFileName = ".lock";
    private const string BatchPrefix = "batch-";
    private const string BatchSuffix = ".json";

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly string _hostId;
    private readonly BufferLimits _limits;
    private readonly ILogger _logger;
    private readonly FileStream _lock;
    private readonly SortedDictionary<long, Entry> _sealed = [];
    private readonly List<TelemetrySample> _open = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _next;
    private long _bytes;
    private long? _inFlight;

    private DiskBuffer(string directory, string hostId, BufferLimits limits, ILogger logger, FileStream lockFile)
    {
        _directory = directory;
        _hostId = hostId;
        _limits = limits;
        _logger = logger;
        _lock = lockFile;
    }

    public string Directory => _directory;

    /// <summary>The sequence number the next sample gets.</summary>
    public long NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _next;
            }
        }
    }

    public int PendingBatches
    {
        get
        {
            lock (_gate)
            {
                return _sealed.Count;
            }
        }
    }

    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Samples dropped because the buffer was full, since this process started.</summary>
    public long DroppedSamples { get; private set; }

    public long DroppedBatches { get; private set; }

    /// <summary>
    /// Opens (creating if needed) the buffer folder, takes its lock (one agent per folder), removes temporary files
    /// of interrupted writes, seals a leftover open batch and recovers the next sequence number.
    /// </summary>
    /// <param name="firstSequenceIfNew">
    /// The first sequence of a buffer with no <c>next-sequence</c> file and no buffered batch (a new install, or one whose
    /// state was lost). The agent passes the Unix time in milliseconds, so a reinstalled host numbers its samples above
    /// everything an earlier install sent (at most one sample a millisecond) instead of reusing numbers the pipeline
    /// already counted, which it would refuse as reused.
    /// </param>
    /// <exception cref="IOException">The folder cannot be created or written, or another agent holds it.</exception>
    public static DiskBuffer Open(string directory, string hostId, BufferLimits limits, ILogger logger, long firstSequenceIfNew = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstSequenceIfNew);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(logger);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new IOException($"The buffer folder '{directory}' is in use by another agent process.", exception);
        }

        var buffer = new DiskBuffer(directory, hostId, limits, logger, lockFile);
        try
        {
            buffer.Recover(firstSequenceIfNew);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return buffer;
    }

    /// <summary>
    /// Gives <paramref name="sample"/> the next sequence number and appends it to the open batch on disk (durably,
    /// before returning). Seals the open batch when it reaches <paramref name="samplesPerBatch"/> samples.
    /// </summary>
    public TelemetrySample Append(TelemetrySample sample, int samplesPerBatch)
    {
        ArgumentNullException.ThrowIfNull(sample);
        lock (_gate)
        {
            var numbered = sample with { Sequence = _next };
            _open.Add(numbered);
            try
            {
                DurableFile.Write(Path.Combine(_directory, OpenFileName), TelemetrySerializer.Serialize(TelemetryBatch.Create(_hostId, _open)));
            }
            catch
            {
                _open.RemoveAt(_open.Count - 1);
                throw;
            }

            // The open file now holds this sequence, so a crash from here on cannot reuse it.
            _next++;
            if (_open.Count >= samplesPerBatch)
            {
                SealLocked();
            }

            return numbered;
        }
    }

    /// <summary>Seals the open batch (if it has samples) so it can be sent; used when the agent stops.</summary>
    public void Seal()
    {
        lock (_gate)
        {
            SealLocked();
        }
    }

    /// <summary>The oldest sealed batch, or null. Unreadable files are moved to <c>rejected/</c> and skipped.</summary>
    public BufferedBatch? PeekOldest()
    {
        lock (_gate)
        {
            while (_sealed.Count > 0)
            {
                var entry = _sealed.First().Value;
                var path = Path.Combine(_directory, entry.FileName);
                try
                {
                    var batch = JsonSerializer.Deserialize(File.ReadAllBytes(path), TelemetryJsonContext.Default.TelemetryBatch)
                        ?? throw new JsonException("The file holds 'null'.");
                    _inFlight = entry.First;
                    return new BufferedBatch(entry.FileName, entry.First, entry.Last, batch);
                }
                catch (Exception exception) when (exception is JsonException or IOException or NotSupportedException)
                {
                    RejectLocked(entry, exception.Message);
                }
            }

            return null;
        }
    }

    /// <summary>Deletes a batch after a successful publish (write-ahead: only now may it go).</summary>
    public void Remove(BufferedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            if (_sealed.Remove(batch.FirstSequence, out var entry))
            {
                _bytes -= entry.Bytes;
                DurableFile.Delete(Path.Combine(_directory, entry.FileName));
            }

            if (_inFlight == batch.FirstSequence)
            {
                _inFlight = null;
            }
        }
    }

    /// <summary>A send failed: the batch stays (it is retried) and is no longer protected from the bound.</summary>
    public void Release(BufferedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            if (_inFlight == batch.FirstSequence)
            {
                _inFlight = null;
            }
        }
    }

    /// <summary>Moves a batch the transport refuses for good (e.g. too large) to <c>rejected/</c>.</summary>
    public void Reject(BufferedBatch batch, string reason)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            if (_sealed.TryGetValue(batch.FirstSequence, out var entry))
            {
                RejectLocked(entry, reason);
            }

            _inFlight = null;
        }
    }

    /// <summary>Completes when a batch is sealed (or at once if one is waiting).</summary>
    public Task WaitForBatchAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_sealed.Count > 0)
            {
                return Task.CompletedTask;
            }

            signal = _signal.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    public void Dispose() => _lock.Dispose();

    private void SealLocked()
    {
        if (_open.Count == 0)
        {
            return;
        }

        var first = _open[0].Sequence;
        var last = _open[^1].Sequence;
        var fileName = BatchFileName(first, last);
        var json = TelemetrySerializer.Serialize(TelemetryBatch.Create(_hostId, _open));
        DurableFile.Write(Path.Combine(_directory, fileName), json);
        WriteNextSequence(last + 1);
        DurableFile.Delete(Path.Combine(_directory, OpenFileName));
        _open.Clear();
        _sealed[first] = new Entry(fileName, first, last, json.Length);
        _bytes += json.Length;
        EnforceLimitsLocked();
        var signal = _signal;
        _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult();
    }

    private void EnforceLimitsLocked()
    {
        while ((_sealed.Count > _limits.MaxBatches || _bytes > _limits.MaxBytes) && _sealed.Count > 1)
        {
            // The oldest that is not being sent right now (a send in flight may still succeed).
            var victim = _sealed.Values.First(e => e.First != _inFlight);
            _sealed.Remove(victim.First);
            _bytes -= victim.Bytes;
            DurableFile.Delete(Path.Combine(_directory, victim.FileName));
            var samples = victim.Last - victim.First + 1;
            DroppedSamples += samples;
            DroppedBatches++;
            LogBufferFull(_logger, _directory, _limits.MaxBytes, _limits.MaxBatches, samples, victim.First, victim.Last, DroppedSamples, DroppedBatches);
        }
    }

    private void WriteNextSequence(long next) =>
        DurableFile.Write(Path.Combine(_directory, SequenceFileName), System.Text.Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture) + "\n"));

    private void RejectLocked(Entry entry, string reason)
    {
        var rejected = Path.Combine(_directory, RejectedFolderName);
        System.IO.Directory.CreateDirectory(rejected);
        var source = Path.Combine(_directory, entry.FileName);
        if (File.Exists(source))
        {
            File.Move(source, Path.Combine(rejected, entry.FileName), overwrite: true);
            DurableFile.SyncDirectory(_directory);
        }

        _sealed.Remove(entry.First);
        _bytes -= entry.Bytes;
        LogRejected(_logger, entry.FileName, reason);
    }

    private static string BatchFileName(long first, long last) =>
        string.Create(CultureInfo.InvariantCulture, $"{BatchPrefix}{first:D19}-{last:D19}{BatchSuffix}");

    private static bool TryParseBatchFileName(string name, out long first, out long last)
    {
        first = last = 0;
        var core = name[BatchPrefix.Length..^BatchSuffix.Length];
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(core.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(core.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out last)
            && last >= first;
    }

    private sealed record Entry(string FileName, long First, long Last, long Bytes);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Buffer {Directory} opened: {Batches} batches ({Bytes} bytes) waiting; next sequence {NextSequence}")]
    private static partial void LogOpened(ILogger logger, string directory, int batches, long bytes, long nextSequence);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "Buffer {Directory} is full (limits {MaxBytes} bytes, {MaxBatches} batches): dropped the oldest batch, {Samples} samples (sequences {First}..{Last}). Dropped so far: {DroppedSamples} samples in {DroppedBatches} batches. The transport has been unreachable for too long, or the limits are too small")]
    private static partial void LogBufferFull(ILogger logger, string directory, long maxBytes, int maxBatches, long samples, long first, long last, long droppedSamples, long droppedBatches);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error,
        Message = "Buffered file {FileName} moved to rejected/: {Reason}")]
    private static partial void LogRejected(ILogger logger, string fileName, string reason);
}
