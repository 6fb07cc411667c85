namespace Prescient.Simulation.Consolidation;

/// <summary>Static threshold: overloaded when requested utilisation exceeds it.</summary>
public sealed class ThresholdDetector(double threshold) : IOverloadDetector
{
    public string Kind => "THR";

    public double Parameter => threshold;

    public bool IsOverloaded(ReadOnlySpan<double> historyRecentFirst, double requestedUtilisation) =>
        requestedUtilisation > threshold;
}
