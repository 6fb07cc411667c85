namespace Prescient.Core.Windows;

/// <summary>
/// A set of sequence numbers kept as sorted, disjoint, non-adjacent ranges: consecutive samples cost one range,
/// so a window's set of seen sequences stays small enough to store with the window.
/// </summary>
public sealed class SequenceSet : IReadOnlySequenceSet
{
    private readonly List<SequenceRange> _ranges = [];

    /// <summary>An empty set.</summary>
    public SequenceSet()
    {
    }

    /// <summary>A set holding <paramref name="ranges"/> (any order; overlapping or adjacent ranges are merged).</summary>
    /// <exception cref="ArgumentException">A range has <c>First &gt; Last</c> or a negative number.</exception>
    public SequenceSet(IEnumerable<SequenceRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        foreach (var range in ranges.OrderBy(r => r.First))
        {
            if (range.First < 0 || range.First > range.Last)
            {
                throw new ArgumentException(
                    $"A sequence range must have 0 <= first <= last, not [{range.First}, {range.Last}].", nameof(ranges));
            }

            if (_ranges.Count > 0 && range.First <= _ranges[^1].Last + 1)
            {
                var last = _ranges[^1];
                _ranges[^1] = last with { Last = Math.Max(last.Last, range.Last) };
            }
            else
            {
                _ranges.Add(range);
            }
        }

        Count = _ranges.Sum(r => r.Length);
    }

    /// <summary>The ranges, sorted, disjoint and non-adjacent.</summary>
    public IReadOnlyList<SequenceRange> Ranges => _ranges;

    /// <summary>Number of sequence numbers in the set.</summary>
    public long Count { get; private set; }

    /// <summary>Whether <paramref name="sequence"/> is in the set.</summary>
    public bool Contains(long sequence)
    {
        var i = IndexOfFirstRangeEndingAtOrAfter(sequence);
        return i < _ranges.Count && _ranges[i].First <= sequence;
    }

    /// <summary>Adds <paramref name="sequence"/>; false when it was already there.</summary>
    public bool Add(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var i = IndexOfFirstRangeEndingAtOrAfter(sequence);
        if (i < _ranges.Count && _ranges[i].First <= sequence)
        {
            return false;
        }

        var joinsPrevious = i > 0 && _ranges[i - 1].Last == sequence - 1;
        var joinsNext = i < _ranges.Count && _ranges[i].First == sequence + 1;
        if (joinsPrevious && joinsNext)
        {
            _ranges[i - 1] = _ranges[i - 1] with { Last = _ranges[i].Last };
            _ranges.RemoveAt(i);
        }
        else if (joinsPrevious)
        {
            _ranges[i - 1] = _ranges[i - 1] with { Last = sequence };
        }
        else if (joinsNext)
        {
            _ranges[i] = _ranges[i] with { First = sequence };
        }
        else
        {
            _ranges.Insert(i, new SequenceRange(sequence, sequence));
        }

        Count++;
        return true;
    }

    private int IndexOfFirstRangeEndingAtOrAfter(long sequence)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ranges[mid].Last < sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
