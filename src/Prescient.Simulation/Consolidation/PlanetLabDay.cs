using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Consolidation;

/// <summary>
/// One fleet-day as a dense utilisation matrix: <c>Util[v][k]</c> in [0, 1], 288 five-minute steps. PlanetLab day
/// folders load with <see cref="Load"/>; the other trace families build theirs with <see cref="TraceFamilyDays"/>.
/// </summary>
public sealed class PlanetLabDay
{
    /// <param name="name">The day's name in results (PlanetLab: the folder name, YYYYMMDD; other families: family/yyyy-MM-dd).</param>
    /// <param name="util">Utilisation per VM per step.</param>
    /// <param name="date">The calendar date; when null, parsed from a YYYYMMDD name if it is one.</param>
    public PlanetLabDay(string name, double[][] util, DateOnly? date = null)
    {
        ArgumentNullException.ThrowIfNull(util);
        if (util.Length == 0)
        {
            throw new ArgumentException($"Day {name} has no VM traces.", nameof(util));
        }

        Name = name;
        Util = util;
        Date = date ?? (DateOnly.TryParseExact(name, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : null);
        Steps = util[0].Length;
        foreach (var row in util)
        {
            if (row.Length != Steps)
            {
                throw new ArgumentException($"Day {name}: every VM needs {Steps} samples.", nameof(util));
            }
        }
    }

    public string Name { get; }

    /// <summary>The calendar date (UTC) of the day, when known.</summary>
    public DateOnly? Date { get; }

    public double[][] Util { get; }

    public int Steps { get; }

    public int VmCount => Util.Length;

    /// <summary>
    /// Reads a day folder (files in ordinal name order). A file shorter than 288 samples is padded with its last
    /// value, as CloudSim repeats the last sample.
    /// </summary>
    /// <param name="folder">The day folder (YYYYMMDD).</param>
    /// <param name="steps">Steps per day.</param>
    /// <param name="notes">When given, a file that cannot be read is left out and said here (<c>planetlab/YYYYMMDD: file ... left out: why</c>); null = any malformed file is an error.</param>
    /// <exception cref="TraceFormatException">A malformed file (without <paramref name="notes"/>), or no readable file.</exception>
    public static PlanetLabDay Load(string folder, int steps = 288, ICollection<string>? notes = null)
    {
        var skipped = notes is null ? null : new List<TraceFormatException>();
        var series = PlanetLabReader.ReadDay(folder, skipped: skipped);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        foreach (var e in skipped ?? [])
        {
            notes!.Add($"planetlab/{name}: VM file {Path.GetFileName(e.File)} left out: {e.Problem}");
        }

        if (series.Count == 0)
        {
            throw new TraceFormatException(folder, 0, skipped is { Count: > 0 } ? $"no readable VM file ({skipped.Count} unreadable)." : "the day folder holds no VM file.");
        }

        var util = new double[series.Count][];
        for (var v = 0; v < series.Count; v++)
        {
            var values = series[v].Values;
            var row = new double[steps];
            for (var k = 0; k < steps; k++)
            {
                row[k] = values[Math.Min(k, values.Count - 1)];
            }

            util[v] = row;
        }

        return new PlanetLabDay(name, util);
    }
}
