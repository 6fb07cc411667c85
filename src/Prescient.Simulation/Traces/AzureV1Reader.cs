namespace Prescient.Simulation.Traces;

/// <summary>
/// Azure Public Dataset V1 CPU files (<c>microsoft_avg_100_part1.csv</c>, <c>..._max_...</c>): a header <c>step</c>
/// then one column per VM id; each row is a 5-minute step index then CPU % per VM. <paramref name="origin"/> is the
/// date-time of step 0.
/// </summary>
public static class AzureV1Reader
{
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    /// <param name="path">The file.</param>
    /// <param name="origin">The date-time of step 0.</param>
    /// <param name="skipped">When given, a malformed row is added here and skipped (all its VMs miss that step) instead of failing the read; null = any malformed row is an error. A bad header is always an error.</param>
    public static IReadOnlyList<TimeSeries> ReadFile(string path, DateTimeOffset origin, ICollection<TraceFormatException>? skipped = null)
    {
        string[]? ids = null;
        List<DateTimeOffset> times = [];
        List<double>[] columns = [];
        long previousStep = -1;
        foreach (var (line, text) in TraceParsing.Lines(path))
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var cells = text.Split(',');
            if (ids is null)
            {
                if (!cells[0].Trim().Equals("step", StringComparison.OrdinalIgnoreCase) || cells.Length < 2)
                {
                    throw new TraceFormatException(path, line, "the header must be 'step' followed by one column per VM id.");
                }

                ids = [.. cells.Skip(1).Select(c => c.Trim())];
                columns = [.. ids.Select(_ => new List<double>())];
                continue;
            }

            try
            {
                var (step, row) = ReadRow(path, line, cells, ids, previousStep);
                previousStep = step;
                times.Add(origin + (Step * step));
                for (var i = 0; i < ids.Length; i++)
                {
                    columns[i].Add(row[i]);
                }
            }
            catch (TraceFormatException e) when (skipped is not null)
            {
                skipped.Add(e);
            }
        }

        if (ids is null || times.Count == 0)
        {
            throw new TraceFormatException(path, 0, "the file has no header or no rows.");
        }

        return [.. ids.Select((id, i) => new TimeSeries(id, times, columns[i], Step))];
    }

    private static (long Step, double[] Values) ReadRow(string path, int line, string[] cells, string[] ids, long previousStep)
    {
        if (cells.Length != ids.Length + 1)
        {
            throw new TraceFormatException(path, line, $"expected {ids.Length + 1} fields as in the header, found {cells.Length}.");
        }

        var step = TraceParsing.ParseInteger(path, line, cells[0], "step");
        if (step <= previousStep)
        {
            throw new TraceFormatException(path, line, $"step {step} is not after the previous step {previousStep}.");
        }

        var values = new double[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            values[i] = TraceParsing.ParsePercent(path, line, cells[i + 1], $"CPU % of VM {ids[i]}");
        }

        return (step, values);
    }
}
