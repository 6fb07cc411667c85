namespace Prescient.Core.Migration;

/// <summary>What to do when memory is dirtied faster than pre-copy can send it, or when pre-copy stops making progress.</summary>
public enum NonConvergenceHandling
{
    /// <summary>Abort the migration; the VM keeps running on the source.</summary>
    Abort,

    /// <summary>Quiesce anyway and send every remaining dirty page while the VM is stopped (a longer downtime).</summary>
    StopAndCopy,
}
