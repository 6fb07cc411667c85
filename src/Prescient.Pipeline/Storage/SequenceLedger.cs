using Prescient.Core.Windows;

namespace Prescient.Pipeline.Storage;

/// <summary>What a host's <see cref="SequenceLedger"/> knows about one sequence number.</summary>
public enum LedgerStatus
{
    /// <summary>Never counted: may be counted now.</summary>
    New,

    /// <summary>Counted in some window (the ledger has it in its ranges).</summary>
    Counted,

    /// <summary>
    /// Below the ledger's floor: either counted or given up long ago (the ledger no longer tells which), so it must not
    /// be counted again anywhere; only the window of the sample's own period can still say "counted there".
    /// </summary>
    BelowFloor,
}

/// <summary>
/// The sequence numbers a host has had counted in any window, kept as ranges (agents number samples 0, 1, 2...
/// for the life of the host, so this is a handful of ranges: one, plus one per gap). The ledger is bounded: when it
/// holds more than the most ranges allowed, the oldest ranges are folded under a floor. The rule is: a sequence in
/// a range was counted; a sequence below the floor was counted or is a gap older than the newest ranges kept (never
/// counted, and it never will be: it is reported, not counted, if it ever arrives); at or above the floor and outside
/// the ranges, it was never counted. So nothing is ever counted twice, and a sequence is reported as reused only if it
/// really was counted.
/// </summary>
public sealed class SequenceLedger
{
    private SequenceSet _counted;

    /// <summary>An empty ledger (floor 0: nothing counted).</summary>
    public SequenceLedger()
    {
        _counted = new SequenceSet();
    }

    /// <summary>A ledger as stored: a floor and the ranges counted at or above it (parts of ranges below it are dropped).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="floor"/> is negative.</exception>
    /// <exception cref="ArgumentException">A range has <c>First &gt; Last</c> or a negative number.</exception>
    public SequenceLedger(long floor, IEnumerable<SequenceRange> ranges)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floor);
        ArgumentNullException.ThrowIfNull(ranges);
        Floor = floor;
        var set = new SequenceSet(ranges);
        _counted = set.Ranges.Count > 0 && set.Ranges[0].First < floor
            ? new SequenceSet(set.Ranges.Where(r => r.Last >= floor).Select(r => r with { First = Math.Max(r.First, floor) }))
            : set;
    }

    /// <summary>Every sequence below it is counted or given up; see <see cref="LedgerStatus.BelowFloor"/>.</summary>
    public long Floor { get; private set; }

    /// <summary>The ranges counted at or above <see cref="Floor"/>: sorted, disjoint, non-adjacent.</summary>
    public IReadOnlyList<SequenceRange> Ranges => _counted.Ranges;

    public LedgerStatus StatusOf(long sequence) =>
        _counted.Contains(sequence) ? LedgerStatus.Counted
        : sequence < Floor ? LedgerStatus.BelowFloor
        : LedgerStatus.New;

    /// <summary>Records <paramref name="sequence"/> as counted; false when the ledger already covered it (counted or below the floor).</summary>
    public bool Add(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return sequence >= Floor && _counted.Add(sequence);
    }

    /// <summary>
    /// Keeps at most <paramref name="maxRanges"/> ranges by raising the floor to the first range kept (the oldest
    /// ranges and the gaps between them go under the floor). True when something was folded.
    /// </summary>
    public bool Compact(int maxRanges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRanges, 1);
        var excess = _counted.Ranges.Count - maxRanges;
        if (excess <= 0)
        {
            return false;
        }

        var kept = _counted.Ranges.Skip(excess).ToList();
        Floor = kept[0].First;
        _counted = new SequenceSet(kept);
        return true;
    }
}
