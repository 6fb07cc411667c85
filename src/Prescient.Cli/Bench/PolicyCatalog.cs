using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;

namespace Prescient.Cli.Bench;

/// <summary>Every policy the consolidation benchmark can run.</summary>
internal static class PolicyCatalog
{
    public static IReadOnlyList<Func<IConsolidationPolicy>> All { get; } = ConsolidationBenchmark.AllPolicies();
}
