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
