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
}
