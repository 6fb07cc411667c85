namespace Prescient.Core.Windows;

/// <summary>An inclusive range of sequence numbers.</summary>
public readonly record struct SequenceRange(long First, long Last)
{
    /// <summary>Number of sequence numbers in the range.</summary>
    public long Length => Last - First + 1;
}
