using System.Globalization;

namespace Prescient.Simulation.Benchmarks;

/// <summary>One part of the team goal: a ratio, the reference it is taken against, its limit and whether it passes.</summary>
public sealed record GoalCheck(string Name, string Reference, double? Ratio, double Limit, bool Passed)
{
    /// <summary>e.g. <c>0.69 pass</c>, <c>1.13 FAIL</c>, <c>n/a (both 0) pass</c> or <c>n/a (reference 0) FAIL</c>.</summary>
    public string Describe() =>
        (Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : Passed ? "n/a (both 0)" : "n/a (reference 0)") + (Passed ? " pass" : " FAIL");
}
