namespace Prescient.Agent.Sampling;

/// <summary>Aggregate CPU time of the host in jiffies (first line of <c>/proc/stat</c>), and its CPU count.</summary>
public readonly record struct CpuTimes(ulong Total, ulong Idle, int CpuCount)
{
    /// <summary>Busy fraction between two readings; null when no time passed (same jiffy) or the counters went back.</summary>
    public static double? BusyFraction(CpuTimes previous, CpuTimes current)
    {
        if (current.Total <= previous.Total || current.Idle < previous.Idle)
        {
            return null;
        }

        var total = (double)(current.Total - previous.Total);
        var idle = (double)(current.Idle - previous.Idle);
        return Math.Clamp((total - idle) / total, 0, 1);
    }
}
