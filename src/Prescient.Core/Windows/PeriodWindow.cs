using Prescient.Core.Calendar;

namespace Prescient.Core.Windows;

/// <summary>The aggregate of a host's samples in one period.</summary>
public sealed record PeriodWindow(string HostId, PeriodKey Period, double Sum, double Max, int Count)
{
    /// <summary>The mean workload of the period (0 when it has no samples).</summary>
    public double Mean => Count == 0 ? 0 : Math.Clamp(Sum / Count, 0, 1);
}
