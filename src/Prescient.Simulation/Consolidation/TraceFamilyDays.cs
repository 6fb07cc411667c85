using System.Globalization;
using Prescient.Simulation.Forecasting;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Consolidation;

/// <summary>
/// The trace families the consolidation benchmark runs, and where each lives under the shared data folder
/// (<c>../shared/data</c>): PlanetLab day folders, Bitbrains "Rnd" month folders, the Alibaba 2018 machine usage file and
/// the Azure V1 average-CPU file.
/// </summary>
public static class TraceFamilies
{
    public const string PlanetLab = "planetlab";

    public const string Bitbrains = "bitbrains";

    public const string Alibaba = "alibaba";

    public const string AzureV1 = "azure-v1";

    /// <summary>Every family, in the order the benchmark runs them.</summary>
    public static IReadOnlyList<string> All { get; } = [PlanetLab, Bitbrains, Alibaba, AzureV1];

    /// <summary>The family's folder or file, relative to the data folder.</summary>
    public static string RelativePath(string family) => Normalize(family) switch
    {
        PlanetLab => "planetlab",
        Bitbrains => "bitbrains-rnd",
        Alibaba => Path.Combine("alibaba2018", "machine_usage.csv"),
        _ => Path.Combine("azure-v1", "microsoft_avg_100_part1.csv"),
    };

    /// <summary>The family's canonical name; an unknown name is an <see cref="ArgumentException"/> listing the known ones.</summary>
    public static string Normalize(string family)
    {
        ArgumentNullException.ThrowIfNull(family);
        var name = family.Trim().ToLowerInvariant();
        return All.Contains(name)
            ? name
            : throw new ArgumentException($"Unknown trace family '{family}'. Known: {string.Join(", ", All)} (or all).", nameof(family));
    }

    /// <summary>
    /// The families named by <paramref name="value"/> (comma-separated, or <c>all</c>), in <see cref="All"/>'s order,
    /// without repeats.
    /// </summary>
    public static IReadOnlyList<string> Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"No trace family given. Known: {string.Join(", ", All)} (or all).", nameof(value));
        }

        if (parts.Any(p => p.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            return All;
        }

        var chosen = parts.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        return [.. All.Where(chosen.Contains)];
    }

    /// <summary>
    /// The full path of the family's folder or file under <paramref name="dataDirectory"/>; when it is missing, a
    /// <see cref="DirectoryNotFoundException"/> that says what was expected and lists what the data folder holds.
    /// </summary>
    public static string Locate(string dataDirectory, string family)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var name = Normalize(family);
        var path = Path.GetFullPath(Path.Combine(dataDirectory, RelativePath(name)));
        var exists = name is PlanetLab or Bitbrains ? Directory.Exists(path) : File.Exists(path);
        if (exists)
        {
            return path;
        }

        const int shown = 20;
        var data = Path.GetFullPath(dataDirectory);
        string where;
        if (Directory.Exists(data))
        {
            var entries = Directory.EnumerateFileSystemEntries(data).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            where = entries.Count == 0
                ? $"The data folder '{data}' is empty."
                : $"The data folder '{data}' holds: {string.Join(", ", entries.Take(shown))}{(entries.Count > shown ? $" and {entries.Count - shown} more" : "")}.";
        }
        else
        {
            where = $"The data folder '{data}' does not exist.";
        }

        throw new DirectoryNotFoundException(
            $"Trace family '{name}' needs '{path}', which is missing. {where} Pass --data DIR (the folder holding planetlab, bitbrains-rnd, alibaba2018, azure-v1).");
    }
}

/// <summary>
/// Builds consolidation fleet-days from the Bitbrains, Alibaba and Azure V1 traces. The rule, the same for every
/// family: for each UTC calendar day the traces touch, one fleet-day holds every VM (machine for Alibaba) of the family
/// as 288 five-minute steps from midnight UTC, each the mean of the VM's CPU samples in that 300 s bin, clamped to
/// [0, 1]. A day is used only when every VM has at least one sample in at least 90 % of its 288 bins
/// (<see cref="MinCoverage"/>: 260 bins); otherwise the whole day is left out. The remaining empty bins take the last
/// value before them in the day; empty bins at the start of the day take the day's first value. Days are named
/// <c>family/yyyy-MM-dd</c> (e.g. <c>bitbrains/2013-07-14</c>); VMs are in a fixed order (Bitbrains and Alibaba by ID,
/// ordinal; Azure in column order), which sets their types in four blocks as for PlanetLab.
/// </summary>
public static class TraceFamilyDays
{
    /// <summary>The share of a day's 288 bins every VM must have samples in for the day to be used.</summary>
    public const double MinCoverage = 0.9;

    public const int StepsPerDay = 288;

    public static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    /// <summary>The bins (of 288) a VM needs samples in for the day to be used at <paramref name="minCoverage"/>.</summary>
    public static int RequiredBins(double minCoverage = MinCoverage) => (int)Math.Ceiling((minCoverage * StepsPerDay) - 1e-9);

    /// <summary>Reads the family's traces at <paramref name="path"/> (as given by <see cref="TraceFamilies.Locate"/>) and builds its fleet-days.</summary>
    public static IReadOnlyList<PlanetLabDay> Load(string family, string path, double minCoverage = MinCoverage) =>
        Build(family, ReadSeries(family, path), minCoverage);

    /// <summary>
    /// The family's series, one per VM, in the order the fleet uses: Bitbrains (a folder of month folders of
    /// <c>ID.csv</c>; the same ID in several months is one VM, concatenated by time), Alibaba (<c>machine_usage.csv</c>,
    /// second 0 = <see cref="ForecastData.AlibabaOrigin"/>), Azure V1 (step 0 = <see cref="ForecastData.AzureOrigin"/>).
    /// Malformed files are a <see cref="TraceFormatException"/> naming the file and line.
    /// </summary>
    public static IReadOnlyList<TimeSeries> ReadSeries(string family, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return TraceFamilies.Normalize(family) switch
        {
            TraceFamilies.Bitbrains => ReadBitbrains(path),
            TraceFamilies.Alibaba => [.. AlibabaMachineUsageReader.ReadFile(path, ForecastData.AlibabaOrigin).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)],
            TraceFamilies.AzureV1 => AzureV1Reader.ReadFile(path, ForecastData.AzureOrigin),
            _ => throw new ArgumentException("PlanetLab days are read per day folder (PlanetLabDay.Load), not as a family of series.", nameof(family)),
        };
    }

    /// <summary>The fleet-days of <paramref name="series"/> (one VM each) by the rule in the type's summary, in date order.</summary>
    public static IReadOnlyList<PlanetLabDay> Build(string family, IReadOnlyList<TimeSeries> series, double minCoverage = MinCoverage)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minCoverage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minCoverage, 1.0);
        var name = TraceFamilies.Normalize(family);
        if (series.Count == 0)
        {
            throw new ArgumentException($"Trace family '{name}' has no series.", nameof(series));
        }

        var required = RequiredBins(minCoverage);
        var first = DateOnly.FromDateTime(series.Min(s => s.Start).UtcDateTime);
        var last = DateOnly.FromDateTime(series.Max(s => s.Timestamps[^1]).UtcDateTime);
        var days = new List<PlanetLabDay>();
        for (var date = first; date <= last; date = date.AddDays(1))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var util = new double[series.Count][];
            var complete = true;
            for (var v = 0; v < series.Count && complete; v++)
            {
                var covered = CoveredBins(series[v], start);
                if (covered.Count(c => c) < required)
                {
                    complete = false;
                    break;
                }

                util[v] = FillDay(series[v].Resample(start, Step, StepsPerDay).Values, covered);
            }

            if (complete)
            {
                days.Add(new PlanetLabDay(DayName(name, date), util, date));
            }
        }

        return days;
    }

    public static string DayName(string family, DateOnly date) =>
        TraceFamilies.Normalize(family) + "/" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Which of the day's 288 bins hold at least one sample of <paramref name="series"/>.</summary>
    internal static bool[] CoveredBins(TimeSeries series, DateTimeOffset dayStart)
    {
        var covered = new bool[StepsPerDay];
        var times = series.Timestamps;
        var end = dayStart + (Step * StepsPerDay);
        // First sample at or after the day's start (timestamps are strictly increasing).
        int lo = 0, hi = times.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (times[mid] < dayStart)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        for (var i = lo; i < times.Count && times[i] < end; i++)
        {
            covered[(int)((times[i] - dayStart) / Step)] = true;
        }

        return covered;
    }

    /// <summary>
    /// The resampled means for covered bins; an empty bin takes the value before it, and empty bins at the start take
    /// the first covered bin's value (not the previous day's, so a fleet-day depends on its own day only). Clamped to [0, 1].
    /// </summary>
    private static double[] FillDay(IReadOnlyList<double> means, bool[] covered)
    {
        var row = new double[StepsPerDay];
        var firstCovered = Array.IndexOf(covered, true);
        var previous = Math.Clamp(means[firstCovered], 0, 1);
        for (var k = 0; k < StepsPerDay; k++)
        {
            if (covered[k])
            {
                previous = Math.Clamp(means[k], 0, 1);
            }

            row[k] = previous;
        }

        return row;
    }

    private static List<TimeSeries> ReadBitbrains(string folder) => BitbrainsReader.ReadFolder(folder);
}
