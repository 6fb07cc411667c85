namespace Prescient.Simulation.Consolidation;

/// <summary>
/// Local regression over the last 10 values, extrapolated one step (the longest migration is under one interval),
/// times the safety parameter; overloaded when that reaches 1. <c>robust</c> = false is CloudSim's LR (its tricube
/// weights are never applied, so an ordinary least-squares line); <c>robust</c> = true is LRR done as Cleveland
/// describes: tricube weights around the latest point, then two bisquare re-weighting passes. Fewer than 10 values:
/// THR 0.7.
/// </summary>
public sealed class LocalRegressionDetector(double safety, bool robust) : IOverloadDetector
{
    private const int Length = 10;
    private static readonly ThresholdDetector Fallback = new(0.7);

    public string Kind => robust ? "LRR" : "LR";

    public double Parameter => safety;

    public bool IsOverloaded(ReadOnlySpan<double> historyRecentFirst, double requestedUtilisation)
    {
        if (historyRecentFirst.Length < Length)
        {
            return Fallback.IsOverloaded(historyRecentFirst, requestedUtilisation);
        }

        Span<double> y = stackalloc double[Length];
        for (var i = 0; i < Length; i++)
        {
            y[i] = historyRecentFirst[Length - 1 - i];
        }

        var predicted = robust ? Statistics.RobustLocalRegressionForecast(y, 1) : Statistics.LinearForecast(y, 1);
        return predicted * safety >= 1;
    }
}
