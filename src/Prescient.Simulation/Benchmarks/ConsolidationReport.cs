using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>The results of a run: every (policy, day) and the medians per policy.</summary>
public sealed record ConsolidationReport(IReadOnlyList<ConsolidationResult> Results, IReadOnlyList<ConsolidationResult> Medians)
{
    /// <summary>The trace family the days came from.</summary>
    public string Family { get; init; } = TraceFamilies.PlanetLab;

    /// <summary>Hosts and VMs of each day, in day order.</summary>
    public IReadOnlyList<FleetSize> Fleets { get; init; } = [];

    /// <summary>Whether memory was enforced (<see cref="ConsolidationSetup.EnforceMemory"/>): the team goal is judged on such runs.</summary>
    public bool MemoryEnforced { get; init; }

    /// <summary>What the family's traces could not give (files, lines, VMs, days left out) and why.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The team goal's verdict on this run's medians.</summary>
    public GoalVerdict Goal => TeamGoal.Evaluate(Family, Medians, MemoryEnforced);

    /// <summary>The best baseline on each metric (medians).</summary>
    public IReadOnlyDictionary<string, BestBaseline> BestBaselines => BaselineComparison.Best(Medians);

    /// <summary>The oracle's median (null when the oracle was not run).</summary>
    public ConsolidationResult? Oracle => Medians.FirstOrDefault(m => m.Name == "oracle");
}
