using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>What to run: trace family and its location, days, policies, fleet size, parallelism.</summary>
public sealed record ConsolidationBenchmarkOptions
{
    /// <summary>
    /// Where the family's traces are: for PlanetLab the folder holding YYYYMMDD day folders; for the other families
    /// the folder or file <see cref="TraceFamilies.Locate"/> returns (Bitbrains month folders, Alibaba's
    /// machine_usage.csv, Azure V1's microsoft_avg_100_part1.csv).
    /// </summary>
    public required string TracesDirectory { get; init; }

    /// <summary>The trace family (<see cref="TraceFamilies"/>); PlanetLab by default.</summary>
    public string Family { get; init; } = TraceFamilies.PlanetLab;

    /// <summary>
    /// Hosts per fleet-day; null = the family's rule: PlanetLab <see cref="ConsolidationSetup.Hosts"/> (800), the
    /// other families <see cref="ConsolidationSetup.HostsFor"/> the day's VM count.
    /// </summary>
    public int? Hosts { get; init; }

    /// <summary>Day names (PlanetLab: folder names, YYYYMMDD; other families: family/yyyy-MM-dd or yyyy-MM-dd); empty = every day present.</summary>
    public IReadOnlyList<string> Days { get; init; } = [];

    /// <summary>Policy names to run (case-insensitive); empty = all.</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public ConsolidationSetup Setup { get; init; } = new();
}
