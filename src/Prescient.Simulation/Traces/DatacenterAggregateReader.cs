namespace Prescient.Simulation.Traces;

/// <summary>
/// Cluster-wide means (<c>datacenter-aggregates/*.csv</c>): a header then one row per 300 s. The CPU column is
/// <c>cpu_util_percent</c> (percent, Alibaba) or <c>avg_cpu</c> (a fraction, Google 2019).
/// </summary>
public static class DatacenterAggregateReader
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(300);

    public static TimeSeries ReadFile(string path, DateTimeOffset origin)
    {
        int cpu = -1, columns = 0;
        var percent = true;
        var values = new List<double>();
        foreach (var (line, text) in TraceParsing.Lines(path))
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var cells = text.Split(',');
            if (columns == 0)
            {
                columns = cells.Length;
                cpu = Array.FindIndex(cells, c => c.Trim() is "cpu_util_percent" or "avg_cpu");
                if (cpu < 0)
                {
                    throw new TraceFormatException(path, line, "the header has no 'cpu_util_percent' or 'avg_cpu' column.");
                }

                percent = cells[cpu].Trim() == "cpu_util_percent";
                continue;
            }

            if (cells.Length != columns)
            {
                throw new TraceFormatException(path, line, $"expected {columns} fields as in the header, found {cells.Length}.");
            }

            if (percent)
            {
                values.Add(TraceParsing.ParsePercent(path, line, cells[cpu], "cpu_util_percent"));
            }
            else
            {
                var v = TraceParsing.ParseNumber(path, line, cells[cpu], "avg_cpu");
                if (v < 0 || v > 1.005)
                {
                    throw new TraceFormatException(path, line, $"avg_cpu {v} is outside 0..1.");
                }

                values.Add(Math.Min(v, 1));
            }
        }

        if (values.Count == 0)
        {
            throw new TraceFormatException(path, 0, "the file has no rows.");
        }

        return TimeSeries.Regular(Path.GetFileNameWithoutExtension(path), origin, Step, values);
    }
}
