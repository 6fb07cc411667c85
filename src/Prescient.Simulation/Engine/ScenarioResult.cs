namespace Prescient.Simulation.Engine;

/// <summary>A scenario's results: the replayed day under every policy.</summary>
public sealed record ScenarioResult(
    string Scenario,
    string Description,
    DateOnly Day,
    string FocusHostId,
    TimeSpan EvaluationInterval,
    IReadOnlyList<string> Parameters,
    IReadOnlyList<PolicyResult> Policies,
    TimeSpan WallClock)
{
    /// <summary>Number of replayed days from <see cref="Day"/>.</summary>
    public int Days { get; init; } = 1;
}
