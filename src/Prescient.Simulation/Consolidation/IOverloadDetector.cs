namespace Prescient.Simulation.Consolidation;

/// <summary>
/// Decides whether a host is overloaded from its utilisation history (most recent first, at most 30 values, zero tail
/// trimmed as CloudSim does) and its current requested utilisation (requested MIPS / capacity).
/// </summary>
public interface IOverloadDetector
{
    /// <summary>Name part used in the policy name, e.g. <c>LR</c>.</summary>
    string Kind { get; }

    double Parameter { get; }

    bool IsOverloaded(ReadOnlySpan<double> historyRecentFirst, double requestedUtilisation);
}
