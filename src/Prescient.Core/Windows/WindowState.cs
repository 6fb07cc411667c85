using Prescient.Core.Calendar;

namespace Prescient.Core.Windows;

/// <summary>
/// The stored form of a window being accumulated: enough to resume counting idempotently after a restart.
/// <see cref="SumNanos"/> is the sum of the samples' workloads in units of 1e-9, so the sum does not depend on the
/// order samples arrive in.
/// </summary>
public sealed record WindowState(
    string HostId,
    PeriodKey Period,
    long SumNanos,
    double Max,
    int Count,
    IReadOnlyList<SequenceRange> Sequences);
