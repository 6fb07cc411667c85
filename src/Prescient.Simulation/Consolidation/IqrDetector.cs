namespace Prescient.Simulation.Consolidation;

/// <summary>Interquartile range: threshold 1 - s * IQR over the history (at least 12 values, else THR 0.7).</summary>
public sealed class IqrDetector(double safety) : IOverloadDetector
{
    private static readonly ThresholdDetector Fallback = new(0.7);

    public string Kind => "IQR";

    public double Parameter => safety;

    public bool IsOverloaded(ReadOnlySpan<double> historyRecentFirst, double requestedUtilisation)
    {
        if (historyRecentFirst.Length < 12)
        {
            return Fallback.IsOverloaded(historyRecentFirst, requestedUtilisation);
        }

        return requestedUtilisation > 1 - (safety * Statistics.Iqr(historyRecentFirst));
    }
}
