namespace Prescient.Simulation.Consolidation;

/// <summary>Median absolute deviation: threshold 1 - s * MAD over the history (at least 12 values, else THR 0.7).</summary>
public sealed class MadDetector(double safety) : IOverloadDetector
{
    private static readonly ThresholdDetector Fallback = new(0.7);

    public string Kind => "MAD";

    public double Parameter => safety;

    public bool IsOverloaded(ReadOnlySpan<double> historyRecentFirst, double requestedUtilisation)
    {
        if (historyRecentFirst.Length < 12)
        {
            return Fallback.IsOverloaded(historyRecentFirst, requestedUtilisation);
        }

        return requestedUtilisation > 1 - (safety * Statistics.Mad(historyRecentFirst));
    }
}
