using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>One host's samples in one apply, what is left of them, and what has been done with the rest.</summary>
internal sealed class HostWork
{
    public HostWork(string hostId, string partition, IReadOnlyList<TelemetrySample> samples, PeriodCalendar calendar)
    {
        HostId = hostId;
        Partition = partition;
        // One sequence number is one sample: a second copy in the same call is a duplicate if it is the same
        // sample, and a reuse of the number if its timestamp differs (not counted, reported).
        var firstCopies = new Dictionary<long, TelemetrySample>();
        foreach (var sample in samples)
        {
            if (firstCopies.TryAdd(sample.Sequence, sample))
            {
                continue;
            }

            var first = firstCopies[sample.Sequence];
            if (first.Timestamp == sample.Timestamp)
            {
                Duplicates++;
            }
            else
            {
                Refused.Add(new RefusedSample(sample, RejectionCodes.SequenceReused, string.Create(CultureInfo.InvariantCulture,
                    $"Sequence {sample.Sequence} of host '{hostId}' arrived twice in one ingest with different timestamps ({first.Timestamp:O} and {sample.Timestamp:O}); only the first is considered. {WindowStore.ReuseAdvice}")));
            }
        }

        Pending = firstCopies.Values
            .GroupBy(s => calendar.PeriodOf(s.Timestamp))
            .OrderBy(g => g.Key)
            .Select(g => new PeriodSamples(g.Key, [.. g.OrderBy(s => s.Sequence)]))
            .ToList();
    }

    public string HostId { get; }

    public string Partition { get; }

    public List<PeriodSamples> Pending { get; }

    /// <summary>Periods of <see cref="Pending"/> in the step being written.</summary>
    public int Take { get; set; }

    /// <summary>The host's rows were read afresh once in this apply to check refusals judged on cached rows.</summary>
    public bool Verified { get; set; }

    /// <summary>Row keys of the bucket rows this apply used (dropped from the cache with the head after a lost race).</summary>
    public HashSet<string> Touched { get; } = new(StringComparer.Ordinal);

    public HashSet<long> AcceptedHere { get; } = [];

    public int Duplicates { get; private set; }

    public int Conflicts { get; set; }

    public List<RefusedSample> Refused { get; } = [];

    public List<(TelemetrySample Sample, PeriodKey Period)> Reused { get; } = [];

    public void Commit(HostStep step)
    {
        AcceptedHere.UnionWith(step.Counted);
        Duplicates += step.Duplicates;
        Refused.AddRange(step.Refused);
        Reused.AddRange(step.Reused);
        Pending.RemoveRange(0, Take);
    }

    /// <summary>Drops the host's cached rows (its head and buckets) so that the next round reads them.</summary>
    public void Evict(SeriesRowCache cache)
    {
        cache.Remove(Partition, SeriesLayout.HeadKey(HostId));
        foreach (var key in Touched)
        {
            cache.Remove(Partition, key);
        }
    }
}
