using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;

namespace Prescient.Core.Tests.Properties;

public class WindowProperties
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Distinct samples: 3 hosts, an hour (three periods), any workload in [0, 1].</summary>
    private static readonly Gen<WorkloadSample[]> Samples =
        (from host in Gen.Elements("h1", "h2", "h3")
         from seconds in Gen.Choose(0, 3599)
         from workload in Gen.Choose(0, int.MaxValue).Select(i => i / (double)int.MaxValue)
         select (host, seconds, workload))
        .ListOf()
        .Select(list => list
            .Select((s, i) => new WorkloadSample(s.host, i, Start.AddSeconds(s.seconds), s.workload))
            .ToArray());

    /// <summary>The samples and a delivery of them: every sample at least once, some several times, in any order.</summary>
    private static readonly Arbitrary<(WorkloadSample[] Samples, WorkloadSample[] Delivery)> SamplesAndDelivery =
        (from samples in Samples
         from again in Gen.SubListOf(samples)
         from thrice in Gen.SubListOf(samples)
         from delivery in Gen.Shuffle(samples.Concat(again).Concat(thrice))
         select (samples, delivery))
        .ToArbitrary();

    private static List<PeriodWindow> Aggregate(IEnumerable<WorkloadSample> samples)
    {
        var aggregator = new WindowAggregator(PeriodCalendar.Default);
        var result = aggregator.AddRange(samples);
        Assert.Empty(result.ClosedWindowSamples);
        return [.. aggregator.CloseElapsed(Start.AddDays(1), TimeSpan.Zero)];
    }

    [Property(MaxTest = 200)]
    public Property Any_order_and_any_duplication_yield_the_same_windows() =>
        Prop.ForAll(SamplesAndDelivery, input =>
        {
            var expected = Aggregate(input.Samples);
            var actual = Aggregate(input.Delivery);
            return expected.SequenceEqual(actual) &&
                   actual.Sum(w => w.Count) == input.Samples.Length;
        });

    [Property(MaxTest = 200)]
    public Property Counted_and_duplicate_outcomes_add_up() =>
        Prop.ForAll(SamplesAndDelivery, input =>
        {
            var result = new WindowAggregator(PeriodCalendar.Default).AddRange(input.Delivery);
            return result.Accepted == input.Samples.Length &&
                   result.Duplicates == input.Delivery.Length - input.Samples.Length;
        });

    [Property(MaxTest = 200)]
    public Property Merging_batches_into_stored_state_equals_one_pass() =>
        Prop.ForAll(SamplesAndDelivery, Gen.Choose(0, 100).ToArbitrary(), (input, cutPercent) =>
        {
            var period = new PeriodKey(DateOnly.FromDateTime(Start.UtcDateTime), 27);
            var samples = input.Delivery.Where(s => s.HostId == "h1").ToArray();
            var cut = samples.Length * cutPercent / 100;

            var onePass = new WindowAccumulator("h1", period);
            foreach (var s in samples)
            {
                onePass.Apply(s);
            }

            var first = new WindowAccumulator("h1", period);
            foreach (var s in samples.Take(cut))
            {
                first.Apply(s);
            }

            var resumed = WindowAccumulator.Restore(first.ToState());
            foreach (var s in samples.Skip(cut))
            {
                resumed.Apply(s);
            }

            return resumed.ToWindow() == onePass.ToWindow() &&
                   resumed.ToState().Sequences.SequenceEqual(onePass.ToState().Sequences);
        });
}
