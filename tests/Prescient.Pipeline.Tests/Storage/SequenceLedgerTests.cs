using Prescient.Core.Windows;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Tests.Storage;

public sealed class SequenceLedgerTests
{
    [Fact]
    public void Increasing_sequences_with_gaps_are_one_range_per_run_and_classified_exactly()
    {
        var ledger = new SequenceLedger();
        foreach (var sequence in Enumerable.Range(0, 100).Concat(Enumerable.Range(105, 50)).Append(200))
        {
            Assert.True(ledger.Add(sequence));
        }

        Assert.False(ledger.Add(42));
        Assert.Equal([new SequenceRange(0, 99), new SequenceRange(105, 154), new SequenceRange(200, 200)], ledger.Ranges);
        Assert.Equal(0, ledger.Floor);
        Assert.Equal(LedgerStatus.Counted, ledger.StatusOf(0));
        Assert.Equal(LedgerStatus.Counted, ledger.StatusOf(154));
        Assert.Equal(LedgerStatus.New, ledger.StatusOf(100));
        Assert.Equal(LedgerStatus.New, ledger.StatusOf(199));
        Assert.Equal(LedgerStatus.New, ledger.StatusOf(201));
    }

    [Fact]
    public void Compacting_folds_the_oldest_ranges_and_their_gaps_under_the_floor_and_keeps_the_newest()
    {
        var ledger = new SequenceLedger(0, [new(0, 9), new(20, 29), new(40, 49), new(60, 69)]);

        Assert.False(ledger.Compact(4));
        Assert.True(ledger.Compact(2));

        Assert.Equal(40, ledger.Floor);
        Assert.Equal([new SequenceRange(40, 49), new SequenceRange(60, 69)], ledger.Ranges);
        // Counted and gap sequences under the floor are no longer told apart: neither may be counted again.
        Assert.Equal(LedgerStatus.BelowFloor, ledger.StatusOf(5));
        Assert.Equal(LedgerStatus.BelowFloor, ledger.StatusOf(15));
        // Above the floor the ledger is still exact.
        Assert.Equal(LedgerStatus.Counted, ledger.StatusOf(45));
        Assert.Equal(LedgerStatus.New, ledger.StatusOf(55));
        Assert.False(ledger.Add(15));
        Assert.True(ledger.Add(55));
    }

    [Fact]
    public void A_stored_ledger_drops_what_lies_below_its_floor_and_refuses_a_negative_floor()
    {
        var ledger = new SequenceLedger(25, [new(0, 9), new(20, 29), new(40, 49)]);

        Assert.Equal([new SequenceRange(25, 29), new SequenceRange(40, 49)], ledger.Ranges);
        Assert.Equal(LedgerStatus.BelowFloor, ledger.StatusOf(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceLedger(-1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Compact(0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Whatever_was_added_is_never_new_again_and_what_was_not_added_is_new_at_or_above_the_floor(int seed)
    {
        var random = new Random(seed);
        var ledger = new SequenceLedger();
        var added = new HashSet<long>();
        var next = 0L;
        for (var i = 0; i < 2_000; i++)
        {
            // Mostly increasing, with gaps and some late and repeated numbers, as agents and redeliveries produce.
            next += random.Next(10) == 0 ? random.Next(2, 6) : 1;
            var sequence = random.Next(20) == 0 ? Math.Max(0, next - random.Next(1, 50)) : next;
            if (ledger.StatusOf(sequence) == LedgerStatus.New)
            {
                Assert.True(ledger.Add(sequence));
                added.Add(sequence);
            }

            ledger.Compact(8);
            Assert.True(ledger.Ranges.Count <= 8);
        }

        Assert.All(added, s => Assert.NotEqual(LedgerStatus.New, ledger.StatusOf(s)));
        for (var s = 0L; s <= next + 5; s++)
        {
            var status = ledger.StatusOf(s);
            if (s >= ledger.Floor)
            {
                Assert.Equal(added.Contains(s) ? LedgerStatus.Counted : LedgerStatus.New, status);
            }
            else
            {
                Assert.Equal(LedgerStatus.BelowFloor, status);
            }
        }
    }
}
