using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Telemetry;

namespace Prescient.Agent.Buffering;

/// <summary>
/// Recovery on open: temporary files of interrupted writes go, sealed batches are indexed, a leftover open batch is
/// sealed, the next sequence is recovered.
/// </summary>
public sealed partial class DiskBuffer
{
    private void Recover(long firstSequenceIfNew)
    {
        foreach (var temp in System.IO.Directory.EnumerateFiles(_directory, "*" + DurableFile.TempSuffix))
        {
            File.Delete(temp);
        }

        var next = ReadNextSequence() ?? firstSequenceIfNew;
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory, BatchPrefix + "*" + BatchSuffix))
        {
            var name = Path.GetFileName(path);
            if (TryParseBatchFileName(name, out var first, out var last))
            {
                var length = new FileInfo(path).Length;
                _sealed[first] = new Entry(name, first, last, length);
                _bytes += length;
                next = Math.Max(next, last + 1);
            }
        }

        var openPath = Path.Combine(_directory, OpenFileName);
        if (File.Exists(openPath))
        {
            try
            {
                var open = JsonSerializer.Deserialize(File.ReadAllBytes(openPath), TelemetryJsonContext.Default.TelemetryBatch);
                if (open is { Samples.Count: > 0 })
                {
                    // A crash between sealing (batch file written) and deleting open.json leaves the samples in both.
                    _open.AddRange(open.Samples
                        .Where(s => !_sealed.Values.Any(e => e.First <= s.Sequence && s.Sequence <= e.Last))
                        .OrderBy(s => s.Sequence));
                    next = Math.Max(next, open.Samples.Max(s => s.Sequence) + 1);
                }
            }
            catch (JsonException exception)
            {
                System.IO.Directory.CreateDirectory(Path.Combine(_directory, RejectedFolderName));
                File.Move(openPath, Path.Combine(_directory, RejectedFolderName, OpenFileName + "." + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture)));
                LogRejected(_logger, OpenFileName, exception.Message);
            }
        }

        _next = next;
        if (_open.Count > 0)
        {
            LogRecoveredOpenBatch(_logger, _open.Count, _open[0].Sequence, _open[^1].Sequence);
            SealLocked();
        }
        else if (File.Exists(openPath))
        {
            DurableFile.Delete(openPath);
        }

        WriteNextSequence(_next);
        LogOpened(_logger, _directory, _sealed.Count, _bytes, _next);
    }

    private long? ReadNextSequence()
    {
        var path = Path.Combine(_directory, SequenceFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new IOException($"'{path}' does not hold a sequence number; fix or delete it (the next sequence is then recovered from the buffered batches).");
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Recovered {Samples} samples (sequences {First}..{Last}) of the batch that was open when the agent stopped")]
    private static partial void LogRecoveredOpenBatch(ILogger logger, int samples, long first, long last);
}
