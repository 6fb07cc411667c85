using Prescient.Core.Calendar;

namespace Prescient.Core.Windows;

/// <summary>
/// Accumulates one host's samples for one period, counting each sequence number once whatever the order or number
/// of deliveries. Restorable from <see cref="WindowState"/>, so a pipeline can merge a batch into a stored window.
/// </summary>
public sealed class WindowAccumulator
{
    /// <summary>Units of <see cref="WindowState.SumNanos"/> per unit of workload.</summary>
    public const double NanosPerUnit = 1e9;

    private readonly SequenceSet _sequences;
    private long _sumNanos;
    private double _max;
    private int _count;

    /// <summary>An empty window.</summary>
    public WindowAccumulator(string hostId, PeriodKey period)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        HostId = hostId;
        Period = period;
        _sequences = new SequenceSet();
    }

    private WindowAccumulator(WindowState state)
    {
        HostId = state.HostId;
        Period = state.Period;
        _sumNanos = state.SumNanos;
        _max = state.Max;
        _count = state.Count;
        _sequences = new SequenceSet(state.Sequences);
    }

    /// <summary>The host.</summary>
    public string HostId { get; }

    /// <summary>The period.</summary>
    public PeriodKey Period { get; }

    /// <summary>Number of distinct samples counted.</summary>
    public int Count => _count;

    /// <summary>The sequences counted so far (read-only).</summary>
    public IReadOnlySequenceSet Sequences => _sequences;

    /// <summary>Resumes from stored state.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (the count differs from the sequences, a negative sum, a max outside [0, 1]).</exception>
    public static WindowAccumulator Restore(WindowState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrWhiteSpace(state.HostId, nameof(state));
        var restored = new WindowAccumulator(state);
        if (restored._sequences.Count != state.Count)
        {
            throw new ArgumentException(
                $"Window state of host '{state.HostId}' period {state.Period} is inconsistent: count {state.Count} but " +
                $"{restored._sequences.Count} sequence numbers.", nameof(state));
        }

        if (state.SumNanos < 0 || state.SumNanos > state.Count * (long)NanosPerUnit || state.Max is < 0 or > 1 ||
            (state.Count == 0 && (state.SumNanos != 0 || state.Max != 0)))
        {
            throw new ArgumentException(
                $"Window state of host '{state.HostId}' period {state.Period} is inconsistent: sum {state.SumNanos} nanos, " +
                $"max {state.Max}, count {state.Count}.", nameof(state));
        }

        return restored;
    }

    /// <summary>Counts <paramref name="sample"/> unless its sequence was already counted.</summary>
    /// <exception cref="ArgumentException">The sample belongs to another host.</exception>
    public SampleOutcome Apply(WorkloadSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (!string.Equals(sample.HostId, HostId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Sample of host '{sample.HostId}' offered to a window of host '{HostId}'.", nameof(sample));
        }

        if (!_sequences.Add(sample.Sequence))
        {
            return SampleOutcome.Duplicate;
        }

        _sumNanos += ToNanos(sample.Workload);
        _max = _count == 0 ? sample.Workload : Math.Max(_max, sample.Workload);
        _count++;
        return SampleOutcome.Accepted;
    }

    /// <summary>The current aggregate.</summary>
    public PeriodWindow ToWindow() => new(HostId, Period, _sumNanos / NanosPerUnit, _max, _count);

    /// <summary>The state to store.</summary>
    public WindowState ToState() => new(HostId, Period, _sumNanos, _max, _count, [.. _sequences.Ranges]);

    internal static long ToNanos(double workload) => (long)Math.Round(workload * NanosPerUnit, MidpointRounding.ToEven);
}
