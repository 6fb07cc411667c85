using System.Globalization;

namespace Prescient.Simulation.Benchmarks;

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
