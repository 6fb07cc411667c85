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
/// family: a VM covers a UTC calendar day when it has at least one CPU sample in at least 90 % of the day's 288
/// five-minute bins (<see cref="MinCoverage"/>: 260 bins). The family's fleet is the set of VMs (machines for Alibaba)
/// and days with the most VM-days in which every VM covers every day (ties: more VMs); so a day that a VM of the fleet
/// does not cover is left out, and a VM that covers too few of the days the others cover (a short-lived machine) is
/// left out rather than taking those days with it. What is left out is said, with the reason
/// (<see cref="Build"/>'s <c>notes</c>). One fleet-day holds every VM of the fleet as 288 steps from midnight UTC, each
/// the mean of the VM's CPU samples in that 300 s bin, clamped to [0, 1]. The remaining empty bins take the last value
/// before them in the day; empty bins at the start of the day take the day's first value. Days are named
/// <c>family/yyyy-MM-dd</c> (e.g. <c>bitbrains/2013-07-14</c>); VMs are in a fixed order (Bitbrains and Alibaba by ID,
/// ordinal; Azure in column order), which sets their types in four blocks as for PlanetLab.
/// </summary>
public static class TraceFamilyDays
{
    /// <summary>The share of a day's 288 bins a VM must have samples in to cover the day.</summary>
    public const double MinCoverage = 0.9;

    public const int StepsPerDay = 288;

    public static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    /// <summary>The bins (of 288) a VM needs samples in to cover a day at <paramref name="minCoverage"/>.</summary>
    public static int RequiredBins(double minCoverage = MinCoverage) => (int)Math.Ceiling((minCoverage * StepsPerDay) - 1e-9);

    /// <summary>Reads the family's traces at <paramref name="path"/> (as given by <see cref="TraceFamilies.Locate"/>) and builds its fleet-days.</summary>
    /// <param name="family">The family.</param>
    /// <param name="path">Its folder or file.</param>
    /// <param name="minCoverage">The share of a day's bins a VM must cover.</param>
    /// <param name="notes">
    /// When given, what cannot be used is left out and said here: malformed lines (Alibaba, Azure) and unreadable files
    /// (Bitbrains), VMs and days left out (<see cref="Build"/>). Null: a malformed line or file is an error.
    /// </param>
    public static IReadOnlyList<PlanetLabDay> Load(string family, string path, double minCoverage = MinCoverage, ICollection<string>? notes = null) =>
        Build(family, ReadSeries(family, path, notes), minCoverage, notes);

    /// <summary>
    /// The family's series, one per VM, in the order the fleet uses: Bitbrains (a folder of month folders of
    /// <c>ID.csv</c>; the same ID in several months is one VM, concatenated by time), Alibaba (<c>machine_usage.csv</c>,
    /// second 0 = <see cref="ForecastData.AlibabaOrigin"/>), Azure V1 (step 0 = <see cref="ForecastData.AzureOrigin"/>).
    /// Malformed files are a <see cref="TraceFormatException"/> naming the file and line, unless
    /// <paramref name="notes"/> is given: then malformed lines or files are skipped and said there.
    /// </summary>
    public static IReadOnlyList<TimeSeries> ReadSeries(string family, string path, ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = TraceFamilies.Normalize(family);
        var skipped = notes is null ? null : new List<TraceFormatException>();
        IReadOnlyList<TimeSeries> series = name switch
        {
            TraceFamilies.Bitbrains => BitbrainsReader.ReadFolder(path, skipped),
            TraceFamilies.Alibaba => [.. AlibabaMachineUsageReader.ReadFile(path, ForecastData.AlibabaOrigin, skipped).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)],
            TraceFamilies.AzureV1 => AzureV1Reader.ReadFile(path, ForecastData.AzureOrigin, skipped),
            _ => throw new ArgumentException("PlanetLab days are read per day folder (PlanetLabDay.Load), not as a family of series.", nameof(family)),
        };
        if (skipped is { Count: > 0 })
        {
            if (name == TraceFamilies.Bitbrains)
            {
                foreach (var e in skipped)
                {
                    notes!.Add($"{name}: file {e.File} left out: {e.Problem}");
                }
            }
            else
            {
                notes!.Add($"{name}: {skipped.Count} malformed line(s) skipped, the first: {skipped[0].Message}");
            }
        }

        return series;
    }

    /// <summary>
    /// The fleet-days of <paramref name="series"/> (one VM each) by the rule in the type's summary, in date order. VMs
    /// and days left out are said in <paramref name="notes"/> when given.
    /// </summary>
    public static IReadOnlyList<PlanetLabDay> Build(string family, IReadOnlyList<TimeSeries> series, double minCoverage = MinCoverage, ICollection<string>? notes = null)
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
        var dates = new List<DateOnly>();
        for (var date = first; date <= last; date = date.AddDays(1))
        {
            dates.Add(date);
        }

        var bins = new int[series.Count][];
        var covers = new bool[series.Count][];
        for (var v = 0; v < series.Count; v++)
        {
            bins[v] = new int[dates.Count];
            covers[v] = new bool[dates.Count];
            for (var d = 0; d < dates.Count; d++)
            {
                bins[v][d] = CoveredBins(series[v], DayStart(dates[d])).Count(c => c);
                covers[v][d] = bins[v][d] >= required;
            }
        }

        var (vms, days) = ChooseFleet(covers, dates.Count);
        if (notes is not null)
        {
            Explain(name, series, dates, bins, covers, vms, days, required, notes);
        }

        var result = new List<PlanetLabDay>();
        foreach (var d in days)
        {
            var start = DayStart(dates[d]);
            var util = new double[vms.Count][];
            for (var i = 0; i < vms.Count; i++)
            {
                var s = series[vms[i]];
                util[i] = FillDay(s.Resample(start, Step, StepsPerDay).Values, CoveredBins(s, start));
            }

            result.Add(new PlanetLabDay(DayName(name, dates[d]), util, dates[d]));
        }

        return result;
    }

    /// <summary>
    /// The VMs and days with the most VM-days in which every chosen VM covers every chosen day; ties go to more VMs.
    /// The candidates: every VM; for each day, the VMs that cover it; for each t, the VMs that cover at least t days.
    /// </summary>
    internal static (List<int> Vms, List<int> Days) ChooseFleet(bool[][] covers, int dayCount)
    {
        var vmCount = covers.Length;
        var candidates = new List<List<int>> { Enumerable.Range(0, vmCount).ToList() };
        for (var d = 0; d < dayCount; d++)
        {
            candidates.Add([.. Enumerable.Range(0, vmCount).Where(v => covers[v][d])]);
        }

        var coveredDays = covers.Select(c => c.Count(x => x)).ToArray();
        foreach (var t in coveredDays.Distinct().Order())
        {
            candidates.Add([.. Enumerable.Range(0, vmCount).Where(v => coveredDays[v] >= t)]);
        }

        List<int> bestVms = [], bestDays = [];
        var bestScore = 0L;
        foreach (var vms in candidates.Where(c => c.Count > 0))
        {
            var days = Enumerable.Range(0, dayCount).Where(d => vms.All(v => covers[v][d])).ToList();
            var score = (long)vms.Count * days.Count;
            if (score > bestScore || (score == bestScore && score > 0 && vms.Count > bestVms.Count))
            {
                (bestVms, bestDays, bestScore) = (vms, days, score);
            }
        }

        return (bestVms, bestDays);
    }

    private static void Explain(string family, IReadOnlyList<TimeSeries> series, List<DateOnly> dates, int[][] bins, bool[][] covers, List<int> vms, List<int> days, int required, ICollection<string> notes)
    {
        var kind = family == TraceFamilies.Alibaba ? "machine" : "VM";
        var chosen = days.ToHashSet();
        if (days.Count == 0)
        {
            notes.Add($"{family}: no day has a {kind} with samples in {required} of {StepsPerDay} five-minute bins ({Range(dates, Enumerable.Range(0, dates.Count))} left out)");
            return;
        }

        foreach (var v in Enumerable.Range(0, series.Count).Except(vms))
        {
            var own = Enumerable.Range(0, dates.Count).Where(d => covers[v][d]).ToList();
            notes.Add($"{family}: {kind} {series[v].Name} left out: it has samples in {required} of {StepsPerDay} bins on {own.Count} of the {days.Count} days the other {kind}s cover{(own.Count > 0 ? $" ({Range(dates, own)})" : "")}; keeping it would leave {Enumerable.Range(0, dates.Count).Count(d => covers[v][d] && vms.All(x => covers[x][d]))} day(s)");
        }

        foreach (var d in Enumerable.Range(0, dates.Count).Where(d => !chosen.Contains(d)))
        {
            var missing = vms.Where(v => !covers[v][d]).ToList();
            var examples = string.Join(", ", missing.Take(3).Select(v => $"{series[v].Name}: {bins[v][d]}"));
            notes.Add($"{DayName(family, dates[d])} left out: {missing.Count} {kind}(s) have samples in fewer than {required} of {StepsPerDay} bins ({examples}{(missing.Count > 3 ? ", ..." : "")})");
        }
    }

    private static string Range(List<DateOnly> dates, IEnumerable<int> indexes)
    {
        var list = indexes.ToList();
        var a = dates[list[0]].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var b = dates[list[^1]].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return list.Count == 1 ? a : list[^1] - list[0] == list.Count - 1 ? $"{a} to {b}" : $"{list.Count} days from {a} to {b}";
    }

    private static DateTimeOffset DayStart(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

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
}
