using System.Globalization;

namespace Prescient.Simulation.Traces;

/// <summary>
/// PlanetLab (CoMon) VM traces as shipped with CloudSim: one file per VM per day, one integer CPU % per line, one line
/// per 5 minutes from midnight (UTC), no header; the folder is named YYYYMMDD.
/// </summary>
public static class PlanetLabReader
{
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    /// <summary>Reads one VM-day file. <paramref name="date"/> defaults to the parent folder's name (YYYYMMDD).</summary>
    public static TimeSeries ReadFile(string path, DateOnly? date = null)
    {
        var day = date ?? DateFromFolder(path);
        var values = new List<double>(288);
        foreach (var (line, text) in TraceParsing.Lines(path))
        {
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var v = TraceParsing.ParseNumber(path, line, text, "CPU %");
            if (v < 0 || v > 100 || Math.Abs(v - Math.Round(v)) > 1e-9)
            {
                throw new TraceFormatException(path, line, $"CPU % '{text.Trim()}' is not an integer in 0..100.");
            }

            values.Add(v / 100.0);
        }

        if (values.Count == 0)
        {
            throw new TraceFormatException(path, 0, "the file has no samples.");
        }

        if (values.Count > 288)
        {
            throw new TraceFormatException(path, 289, $"a PlanetLab day has at most 288 five-minute samples; this file has {values.Count}.");
        }

        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return TimeSeries.Regular(Path.GetFileName(path), start, Step, values);
    }

    /// <summary>Reads every VM file of one day folder (sorted by name), up to <paramref name="limit"/> files.</summary>
    /// <param name="folder">The day folder (YYYYMMDD).</param>
    /// <param name="limit">The most files to read.</param>
    /// <param name="skipped">When given, a file that cannot be read is added here and left out instead of failing the read; null = any malformed file is an error.</param>
    public static IReadOnlyList<TimeSeries> ReadDay(string folder, int limit = int.MaxValue, ICollection<TraceFormatException>? skipped = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new TraceFormatException(folder, 0, "folder not found.");
        }

        var date = DateFromFolder(Path.Combine(folder, "x"));
        var series = new List<TimeSeries>();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Take(limit))
        {
            try
            {
                series.Add(ReadFile(file, date));
            }
            catch (TraceFormatException e) when (skipped is not null)
            {
                skipped.Add(e);
            }
        }

        return series;
    }

    private static DateOnly DateFromFolder(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "";
        if (!DateOnly.TryParseExact(folder, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new TraceFormatException(path, 0, $"the parent folder '{folder}' is not a date (YYYYMMDD); pass the date explicitly.");
        }

        return date;
    }
}
