using Prescient.Core.Calendar;

namespace Prescient.Core.Windows;

/// <summary>
/// Turns samples of many hosts into per-host period windows. Idempotent per (host, sequence) while windows are open;
/// late samples for an open window are accepted; samples for a closed window are reported, never silently dropped.
/// Windows close when the caller says so (<see cref="CloseThrough"/> or <see cref="CloseElapsed"/>). Not thread-safe.
/// </summary>
public sealed class WindowAggregator
{
    private readonly Dictionary<string, HostWindows> _hosts = new(StringComparer.Ordinal);
    private PeriodKey? _closedThroughAll;

    /// <summary>Creates an aggregator using <paramref name="calendar"/> to place samples in periods.</summary>
    public WindowAggregator(PeriodCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        Calendar = calendar;
    }

    /// <summary>The calendar.</summary>
    public PeriodCalendar Calendar { get; }

    /// <summary>Offers one sample.</summary>
    public SampleOutcome Add(WorkloadSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var period = Calendar.PeriodOf(sample.Timestamp);
        if (!_hosts.TryGetValue(sample.HostId, out var host))
        {
            host = new HostWindows();
            _hosts.Add(sample.HostId, host);
        }

        if (IsClosed(host, period))
        {
            return SampleOutcome.WindowClosed;
        }

        foreach (var (key, open) in host.Open)
        {
            if (key != period && open.Sequences.Contains(sample.Sequence))
            {
                return SampleOutcome.Duplicate;
            }
        }

        if (!host.Open.TryGetValue(period, out var window))
        {
            window = new WindowAccumulator(sample.HostId, period);
            host.Open.Add(period, window);
        }

        return window.Apply(sample);
    }

    /// <summary>Offers a batch of samples.</summary>
    public AggregationResult AddRange(IEnumerable<WorkloadSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int accepted = 0, duplicates = 0;
        var closed = new List<WorkloadSample>();
        foreach (var sample in samples)
        {
            switch (Add(sample))
            {
                case SampleOutcome.Accepted:
                    accepted++;
                    break;
                case SampleOutcome.Duplicate:
                    duplicates++;
                    break;
                default:
                    closed.Add(sample);
                    break;
            }
        }

        return new AggregationResult(accepted, duplicates, closed);
    }

    /// <summary>The windows of <paramref name="hostId"/> still open, in period order.</summary>
    public IReadOnlyList<PeriodWindow> OpenWindows(string hostId) =>
        _hosts.TryGetValue(hostId, out var host) ? [.. host.Open.Values.Select(w => w.ToWindow())] : [];

    /// <summary>Closes the windows of <paramref name="hostId"/> up to and including <paramref name="through"/>; returns them in period order.</summary>
    public IReadOnlyList<PeriodWindow> CloseThrough(string hostId, PeriodKey through)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        if (!_hosts.TryGetValue(hostId, out var host))
        {
            host = new HostWindows();
            _hosts.Add(hostId, host);
        }

        var result = new List<PeriodWindow>();
        CloseHost(host, through, result);
        return result;
    }

    /// <summary>
    /// Closes, for every host (also hosts not seen yet), the windows whose period ended at least
    /// <paramref name="grace"/> before <paramref name="now"/>; returns them ordered by host id, then period. On a day
    /// when clocks go back, the periods of the repeated hour stay open until its second pass has ended.
    /// </summary>
    public IReadOnlyList<PeriodWindow> CloseElapsed(DateTimeOffset now, TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        var cutoff = now - grace;
        var through = Calendar.Previous(Calendar.PeriodOf(cutoff));
        while (Calendar.FinalEndOf(through) > cutoff)
        {
            through = Calendar.Previous(through);
        }

        if (_closedThroughAll is null || through > _closedThroughAll.Value)
        {
            _closedThroughAll = through;
        }

        var result = new List<PeriodWindow>();
        foreach (var (_, host) in _hosts.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            CloseHost(host, through, result);
        }

        return result;
    }

    private bool IsClosed(HostWindows host, PeriodKey period) =>
        (host.ClosedThrough is { } h && period <= h) || (_closedThroughAll is { } all && period <= all);

    private static void CloseHost(HostWindows host, PeriodKey through, List<PeriodWindow> result)
    {
        if (host.ClosedThrough is null || through > host.ClosedThrough.Value)
        {
            host.ClosedThrough = through;
        }

        while (host.Open.Count > 0)
        {
            var first = host.Open.First();
            if (first.Key > through)
            {
                break;
            }

            result.Add(first.Value.ToWindow());
            host.Open.Remove(first.Key);
        }
    }

    private sealed class HostWindows
    {
        public SortedDictionary<PeriodKey, WindowAccumulator> Open { get; } = [];

        public PeriodKey? ClosedThrough { get; set; }
    }
}
