namespace Prescient.Simulation.Traces;

/// <summary>
/// Alibaba cluster-trace-v2018 <c>machine_usage.csv</c>: no header,
/// <c>machine_id,time_stamp,cpu_util_percent,mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent</c>;
/// timestamps are seconds from the trace's start and irregular (about 10-60 s). One series per machine, sorted by
/// time; <paramref name="origin"/> is the date-time the trace's second 0 maps to.
/// </summary>
public static class AlibabaMachineUsageReader
{
    /// <summary>Nominal step (the median spacing is irregular; use <see cref="TimeSeries.Resample"/> for a grid).</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    /// <param name="path">The file.</param>
    /// <param name="origin">The date-time of the trace's second 0.</param>
    /// <param name="skipped">
    /// When given, a malformed line is added here and skipped instead of failing the read (real downloads end in a cut
    /// line or carry the odd bad field); null = any malformed line is an error.
    /// </param>
    /// <exception cref="TraceFormatException">A malformed line (without <paramref name="skipped"/>), or no sample at all.</exception>
    public static IReadOnlyDictionary<string, TimeSeries> ReadFile(string path, DateTimeOffset origin, ICollection<TraceFormatException>? skipped = null)
    {
        var perMachine = new Dictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
        foreach (var (line, text) in TraceParsing.Lines(path))
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            try
            {
                ReadLine(path, line, text, perMachine);
            }
            catch (TraceFormatException e) when (skipped is not null)
            {
                skipped.Add(e);
            }
        }

        if (perMachine.Count == 0)
        {
            throw new TraceFormatException(path, 0, skipped is { Count: > 0 } ? $"the file has no valid sample ({skipped.Count} malformed line(s), the first: {skipped.First().Message})." : "the file has no samples.");
        }

        return perMachine.ToDictionary(
            kv => kv.Key,
            kv => new TimeSeries(kv.Key, [.. kv.Value.Keys.Select(s => origin.AddSeconds(s))], [.. kv.Value.Values], Step),
            StringComparer.Ordinal);
    }

    private static void ReadLine(string path, int line, string text, Dictionary<string, SortedDictionary<long, double>> perMachine)
    {
        var cells = text.Split(',');
        if (cells.Length != 9)
        {
            throw new TraceFormatException(path, line, $"expected 9 comma-separated fields (machine_id,time_stamp,cpu_util_percent,...), found {cells.Length}.");
        }

        var machine = cells[0].Trim();
        if (machine.Length == 0)
        {
            throw new TraceFormatException(path, line, "machine_id is empty.");
        }

        var seconds = TraceParsing.ParseInteger(path, line, cells[1], "time_stamp");
        if (seconds < 0)
        {
            throw new TraceFormatException(path, line, $"time_stamp {seconds} is negative.");
        }

        var cpu = TraceParsing.ParsePercent(path, line, cells[2], "cpu_util_percent");
        if (!perMachine.TryGetValue(machine, out var samples))
        {
            samples = [];
            perMachine[machine] = samples;
        }

        samples.TryAdd(seconds, cpu); // a repeated (machine, time) keeps the first sample
    }
}
