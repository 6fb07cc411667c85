namespace Prescient.Core.Windows;

/// <summary>A read-only view of a set of sequence numbers.</summary>
public interface IReadOnlySequenceSet
{
    /// <summary>The ranges, sorted, disjoint and non-adjacent.</summary>
    IReadOnlyList<SequenceRange> Ranges { get; }

    /// <summary>Number of sequence numbers in the set.</summary>
    long Count { get; }

    /// <summary>Whether <paramref name="sequence"/> is in the set.</summary>
    bool Contains(long sequence);
}
