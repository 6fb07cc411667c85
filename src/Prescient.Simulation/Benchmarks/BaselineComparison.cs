using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>The best baseline on one metric: which policy and its value (lower is better on every metric).</summary>
public sealed record BestBaseline(string Metric, string Policy, double Value);

/// <summary>A policy's value on one metric against the best baseline's (<see cref="Ratio"/> null when the best is 0).</summary>
public sealed record MetricRatio(string Metric, string Baseline, double BaselineValue, double Value)
{
    public double? Ratio => BaselineValue > 0 ? Value / BaselineValue : null;
}

/// <summary>
/// Prescient's policies against the best baseline on each metric, which may be a different baseline per metric
/// (THR-MMT-0.8 has about 0.08 x LR-MMT-1.2's ESV on PlanetLab, LR-MMT-1.2 the least energy). Baselines are the
/// policies that are neither Prescient's (<see cref="TeamGoal.PrescientPrefix"/>) nor the oracle; lower is better on
/// every metric: energy, SLAV, ESV and migrations, each a median over days.
/// </summary>
public static class BaselineComparison
{
    public const string Energy = "energy";

    public const string Slav = "SLAV";

    public const string Esv = "ESV";

    public const string Migrations = "migrations";

    public const string Oracle = "oracle";

    /// <summary>The metrics compared, in the order reports show them.</summary>
    public static IReadOnlyList<string> Metrics { get; } = [Energy, Slav, Esv, Migrations];

    /// <summary>Whether <paramref name="policy"/> is a baseline (not Prescient's, not the oracle).</summary>
    public static bool IsBaseline(string policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return !policy.StartsWith(TeamGoal.PrescientPrefix, StringComparison.Ordinal) && policy != Oracle;
    }

    /// <summary>A result's value on <paramref name="metric"/>.</summary>
    public static double Value(ConsolidationResult result, string metric)
    {
        ArgumentNullException.ThrowIfNull(result);
        return metric switch
        {
            Energy => result.EnergyKWh,
            Slav => result.Slav,
            Esv => result.Esv,
            Migrations => result.Migrations,
            _ => throw new ArgumentException($"Unknown metric '{metric}' (known: {string.Join(", ", Metrics)}).", nameof(metric)),
        };
    }

    /// <summary>The best baseline on each metric (missing when no baseline was run); ties go to the first in run order.</summary>
    public static IReadOnlyDictionary<string, BestBaseline> Best(IReadOnlyList<ConsolidationResult> medians)
    {
        ArgumentNullException.ThrowIfNull(medians);
        var best = new Dictionary<string, BestBaseline>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            foreach (var m in medians.Where(m => IsBaseline(m.Name)))
            {
                var value = Value(m, metric);
                if (!best.TryGetValue(metric, out var current) || value < current.Value)
                {
                    best[metric] = new BestBaseline(metric, m.Name, value);
                }
            }
        }

        return best;
    }

    /// <summary><paramref name="policy"/>'s ratio to the best baseline on each metric, in <see cref="Metrics"/> order (empty when no baseline was run).</summary>
    public static IReadOnlyList<MetricRatio> Ratios(ConsolidationResult policy, IReadOnlyDictionary<string, BestBaseline> best)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(best);
        return [.. Metrics.Where(best.ContainsKey).Select(m => new MetricRatio(m, best[m].Policy, best[m].Value, Value(policy, m)))];
    }
}
