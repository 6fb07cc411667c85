using System.Globalization;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>
/// The verdict on the team goal for one trace family: the best Prescient policy's median energy, ESV and migrations as
/// ratios to LR-MMT-1.2's medians (null when LR-MMT-1.2's median is 0), and whether it is met.
/// </summary>
public sealed record GoalVerdict
{
    public required string Family { get; init; }

    /// <summary>The best Prescient policy (null when none, or LR-MMT-1.2, was run).</summary>
    public string? Policy { get; init; }

    public double? EnergyRatio { get; init; }

    public double? EsvRatio { get; init; }

    public double? MigrationsRatio { get; init; }

    public bool Met { get; init; }

    /// <summary>Why the goal could not be evaluated (null when it was).</summary>
    public string? NotEvaluated { get; init; }

    /// <summary>One line, e.g. <c>goal (azure-v1): prescient-proactive-vm energy 0.71x, ESV 0.12x, migrations 0.20x of LR-MMT-1.2: met</c>.</summary>
    public string Describe()
    {
        if (NotEvaluated is not null)
        {
            return $"goal ({Family}): not evaluated: {NotEvaluated}";
        }

        static string R(double? r) => r is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a (LR-MMT-1.2 median 0)";
        return $"goal ({Family}): {Policy} energy {R(EnergyRatio)}, ESV {R(EsvRatio)}, migrations {R(MigrationsRatio)} of {TeamGoal.Baseline}: {(Met ? "met" : "not met")}";
    }
}

/// <summary>
/// The team goal: Prescient's best policy at no more energy than LR-MMT-1.2, with ESV and migrations at most half of
/// LR-MMT-1.2's, compared on medians over days (ratio of medians). The best Prescient policy (name starting with
/// <c>prescient-</c>) is the one whose worst normalised ratio max(energy / 1, ESV / 0.5, migrations / 0.5) is smallest;
/// the goal is met when that is at most 1. Where LR-MMT-1.2's median is 0, a policy's 0 counts as meeting that part and
/// anything above 0 as missing it.
/// </summary>
public static class TeamGoal
{
    public const string Baseline = "LR-MMT-1.2";

    public const string PrescientPrefix = "prescient-";

    public const double MaxEnergyRatio = 1.0;

    public const double MaxEsvRatio = 0.5;

    public const double MaxMigrationsRatio = 0.5;

    public static GoalVerdict Evaluate(string family, IReadOnlyList<ConsolidationResult> medians)
    {
        ArgumentNullException.ThrowIfNull(medians);
        var baseline = medians.FirstOrDefault(m => m.Name == Baseline);
        if (baseline is null)
        {
            return new GoalVerdict { Family = family, NotEvaluated = $"{Baseline} was not run" };
        }

        var candidates = medians.Where(m => m.Name.StartsWith(PrescientPrefix, StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return new GoalVerdict { Family = family, NotEvaluated = "no Prescient policy was run" };
        }

        GoalVerdict? best = null;
        var bestScore = double.PositiveInfinity;
        foreach (var c in candidates)
        {
            var energy = Ratio(c.EnergyKWh, baseline.EnergyKWh);
            var esv = Ratio(c.Esv, baseline.Esv);
            var migrations = Ratio(c.Migrations, baseline.Migrations);
            var score = Math.Max(Normalised(energy, c.EnergyKWh, MaxEnergyRatio), Math.Max(Normalised(esv, c.Esv, MaxEsvRatio), Normalised(migrations, c.Migrations, MaxMigrationsRatio)));
            if (best is null || score < bestScore)
            {
                bestScore = score;
                best = new GoalVerdict
                {
                    Family = family,
                    Policy = c.Name,
                    EnergyRatio = energy,
                    EsvRatio = esv,
                    MigrationsRatio = migrations,
                    Met = score <= 1 + 1e-12,
                };
            }
        }

        return best!;
    }

    private static double? Ratio(double x, double baseline) => baseline > 0 ? x / baseline : null;

    private static double Normalised(double? ratio, double value, double limit) =>
        ratio is { } r ? r / limit : value > 0 ? double.PositiveInfinity : 0;
}
