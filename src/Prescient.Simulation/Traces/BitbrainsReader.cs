namespace Prescient.Simulation.Traces;

/// <summary>
/// Bitbrains GWA-T-12 VM files: ';' + tab separated, a header, "Timestamp [ms]" (really Unix seconds), 300 s samples;
/// the CPU column is "CPU usage [%]".
/// </summary>
public static class BitbrainsReader
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(300);

    public static TimeSeries ReadFile(string path, string? name = null)
    {
        int timeColumn = -1, cpuColumn = -1, columns = 0;
        var times = new List<DateTimeOffset>();
        var values = new List<double>();
        foreach (var (line, text) in TraceParsing.Lines(path))
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var cells = text.Split(';');
            if (columns == 0)
            {
                columns = cells.Length;
                for (var i = 0; i < cells.Length; i++)
                {
                    var h = cells[i].Trim();
                    if (h.StartsWith("Timestamp", StringComparison.OrdinalIgnoreCase))
                    {
                        timeColumn = i;
                    }
                    else if (h.Equals("CPU usage [%]", StringComparison.OrdinalIgnoreCase))
                    {
                        cpuColumn = i;
                    }
                }

                if (timeColumn < 0 || cpuColumn < 0)
                {
                    throw new TraceFormatException(path, line, "the header lacks a 'Timestamp [ms]' or a 'CPU usage [%]' column (is this a Bitbrains file?).");
                }

                continue;
            }

            if (cells.Length != columns)
            {
                throw new TraceFormatException(path, line, $"expected {columns} ';'-separated fields as in the header, found {cells.Length}.");
            }

            var seconds = TraceParsing.ParseInteger(path, line, cells[timeColumn], "timestamp");
            var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (times.Count > 0 && time <= times[^1])
            {
                if (time == times[^1])
                {
                    continue; // a repeated sample: keep the first
                }

                throw new TraceFormatException(path, line, $"timestamp {seconds} goes back in time (previous {times[^1].ToUnixTimeSeconds()}).");
            }

            times.Add(time);
            values.Add(TraceParsing.ParsePercent(path, line, cells[cpuColumn], "CPU usage %"));
        }

        if (values.Count == 0)
        {
            throw new TraceFormatException(path, 0, "the file has no samples.");
        }

        return new TimeSeries(name ?? Path.GetFileNameWithoutExtension(path), times, values, Step);
    }

    /// <summary>
    /// Every VM of a Bitbrains folder of month folders (e.g. <c>2013-7/1.csv</c>, <c>2013-8/1.csv</c>): the same file
    /// name is the same VM in every month, so its months are joined in time order (a sample not after the last one
    /// kept, where months overlap at their boundary, is a repeat and dropped). Ordered by ID (ordinal); each series is
    /// named by its ID.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <param name="folder">The folder of month folders.</param>
    /// <param name="skipped">When given, a file that cannot be read is added here and left out (the VM keeps its other months) instead of failing the read; null = any malformed file is an error.</param>
    /// <exception cref="TraceFormatException">No month folder holds a readable ID.csv file, or a file is malformed (without <paramref name="skipped"/>).</exception>
    public static List<TimeSeries> ReadFolder(string folder, ICollection<TraceFormatException>? skipped = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Bitbrains folder '{folder}' not found (expected month folders such as 2013-7 holding ID.csv files).");
        }

        var byId = new SortedDictionary<string, List<TimeSeries>>(StringComparer.Ordinal);
        foreach (var month in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.EnumerateFiles(month, "*.csv").Order(StringComparer.Ordinal))
            {
                var id = Path.GetFileNameWithoutExtension(file);
                TimeSeries part;
                try
                {
                    part = ReadFile(file, id);
                }
                catch (TraceFormatException e) when (skipped is not null)
                {
                    skipped.Add(e);
                    continue;
                }

                if (!byId.TryGetValue(id, out var parts))
                {
                    byId[id] = parts = [];
                }

                parts.Add(part);
            }
        }

        if (byId.Count == 0)
        {
            throw new TraceFormatException(folder, 0, skipped is { Count: > 0 }
                ? $"no month folder holds a readable ID.csv file ({skipped.Count} unreadable, the first: {skipped.First().Message})."
                : "no month folder holds any ID.csv file (expected e.g. 2013-7/1.csv).");
        }

        var result = new List<TimeSeries>(byId.Count);
        foreach (var (id, parts) in byId)
        {
            var ts = new List<DateTimeOffset>();
            var vs = new List<double>();
            foreach (var part in parts.OrderBy(p => p.Start))
            {
                for (var i = 0; i < part.Count; i++)
                {
                    if (ts.Count == 0 || part.Timestamps[i] > ts[^1])
                    {
                        ts.Add(part.Timestamps[i]);
                        vs.Add(part.Values[i]);
                    }
                }
            }

            result.Add(new TimeSeries(id, ts, vs, Step));
        }

        return result;
    }
}
