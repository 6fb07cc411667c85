using System.Globalization;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>One part of the team goal: a ratio, the reference it is taken against, its limit and whether it passes.</summary>
public sealed record GoalCheck(string Name, string Reference, double? Ratio, double Limit, bool Passed)
{
    /// <summary>e.g. <c>0.69 pass</c>, <c>1.13 FAIL</c>, <c>n/a (both 0) pass</c> or <c>n/a (reference 0) FAIL</c>.</summary>
    public string Describe() =>
        (Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : Passed ? "n/a (both 0)" : "n/a (reference 0)") + (Passed ? " pass" : " FAIL");
}

/// <summary>
/// The verdict on the team goal for one trace family: the best Prescient policy's checks (<see cref="TeamGoal"/>), and
/// whether the run is one the goal is judged on (memory enforced).
/// </summary>
public sealed record GoalVerdict
{
    public required string Family { get; init; }

    /// <summary>The best Prescient policy (null when not evaluated).</summary>
    public string? Policy { get; init; }

    /// <summary>Energy / LR-MMT-1.2, ESV / best baseline, migrations / best baseline, energy / floor, in that order.</summary>
    public IReadOnlyList<GoalCheck> Checks { get; init; } = [];

    public bool Met { get; init; }

    /// <summary>Whether memory was enforced: the goal is judged on such runs; other runs show it for information.</summary>
    public bool Judged { get; init; }

    /// <summary>Why the goal could not be evaluated (null when it was).</summary>
    public string? NotEvaluated { get; init; }

    /// <summary>The check named <paramref name="name"/> (null when absent).</summary>
    public GoalCheck? Check(string name) => Checks.FirstOrDefault(c => c.Name == name);

    /// <summary>One line, e.g. <c>goal (azure-v1): prescient-proactive-vm energy 0.71x LR-MMT-1.2, ESV 0.12x THR-MMT-0.8, ...: met</c>.</summary>
    public string Describe()
    {
        if (NotEvaluated is not null)
        {
            return $"goal ({Family}): not evaluated: {NotEvaluated}";
        }

        static string R(GoalCheck c) => c.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";
        var parts = string.Join(", ", Checks.Select(c => $"{c.Name} {R(c)} {c.Reference}"));
        var verdict = Met ? "met" : "not met";
        return $"goal ({Family}): {Policy} {parts}: {verdict}{(Judged ? "" : " (informative: the goal is judged with --memory enforced)")}";
    }
}

/// <summary>
/// The team goal, judged with memory enforced, on every trace family: Prescient's best policy at no more energy than
/// LR-MMT-1.2, with ESV and migrations at most half of the best baseline's on each metric
/// (<see cref="BaselineComparison"/>), and energy within 1.3 x the floor (<see cref="EnergyFloor"/>). Compared on
/// medians over days (ratios of medians; for the floor, the median of the days' energy / floor). The best Prescient
/// policy (name starting with <c>prescient-</c>) is the one whose worst normalised ratio (ratio / limit) is smallest;
/// the goal is met when that is at most 1. Where a reference is 0, a policy's 0 meets that part and anything above 0
/// misses it.
/// </summary>
public static class TeamGoal
{
    public const string Baseline = "LR-MMT-1.2";

    public const string PrescientPrefix = "prescient-";

    public const double MaxEnergyRatio = 1.0;

    public const double MaxEsvRatio = 0.5;

    public const double MaxMigrationsRatio = 0.5;

    public const double MaxEnergyVsFloor = 1.3;

    public const string EnergyCheck = "energy";

    public const string EsvCheck = "ESV";

    public const string MigrationsCheck = "migrations";

    public const string FloorCheck = "energy vs floor";

    public static GoalVerdict Evaluate(string family, IReadOnlyList<ConsolidationResult> medians, bool memoryEnforced = true)
    {
        ArgumentNullException.ThrowIfNull(medians);
        var lr = medians.FirstOrDefault(m => m.Name == Baseline);
        if (lr is null)
        {
            return new GoalVerdict { Family = family, Judged = memoryEnforced, NotEvaluated = $"{Baseline} was not run" };
        }

        var candidates = medians.Where(m => m.Name.StartsWith(PrescientPrefix, StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return new GoalVerdict { Family = family, Judged = memoryEnforced, NotEvaluated = "no Prescient policy was run" };
        }

        var best = BaselineComparison.Best(medians);
        GoalVerdict? chosen = null;
        var chosenScore = double.PositiveInfinity;
        foreach (var c in candidates)
        {
            var esv = best[BaselineComparison.Esv];
            var migrations = best[BaselineComparison.Migrations];
            GoalCheck[] checks =
            [
                Check(EnergyCheck, Baseline, c.EnergyKWh, lr.EnergyKWh, MaxEnergyRatio),
                Check(EsvCheck, esv.Policy, c.Esv, esv.Value, MaxEsvRatio),
                Check(MigrationsCheck, migrations.Policy, c.Migrations, migrations.Value, MaxMigrationsRatio),
                c.EnergyFloorKWh > 0
                    ? new GoalCheck(FloorCheck, "floor", c.EnergyVsFloor, MaxEnergyVsFloor, c.EnergyVsFloor <= MaxEnergyVsFloor + 1e-12)
                    : Check(FloorCheck, "floor", c.EnergyKWh, 0, MaxEnergyVsFloor),
            ];
            var score = checks.Max(Normalised);
            if (chosen is null || score < chosenScore)
            {
                chosenScore = score;
                chosen = new GoalVerdict
                {
                    Family = family,
                    Policy = c.Name,
                    Checks = checks,
                    Met = score <= 1 + 1e-12,
                    Judged = memoryEnforced,
                };
            }
        }

        return chosen!;
    }

    private static GoalCheck Check(string name, string reference, double value, double referenceValue, double limit)
    {
        double? ratio = referenceValue > 0 ? value / referenceValue : null;
        var passed = ratio is { } r ? r <= limit + 1e-12 : value <= 0;
        return new GoalCheck(name, reference, ratio, limit, passed);
    }

    private static double Normalised(GoalCheck check) =>
        check.Ratio is { } r ? r / check.Limit : check.Passed ? 0 : double.PositiveInfinity;
}
