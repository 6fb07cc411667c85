namespace Prescient.Simulation.FleetService;

public enum FaultKind
{
    /// <summary>The host stops answering (calls hang; relays to it time out) for the duration, or until cleared.</summary>
    Unresponsive,

    /// <summary>At its next resume as a destination it does not start the VM and stops answering (before resume-started).</summary>
    UnresponsiveOnResume,

    /// <summary>At its next resume as a destination it starts the VM, then stops answering: the resume-started answer is lost.</summary>
    UnresponsiveAfterResumeStarted,

    /// <summary>Prepare is refused (with <see cref="FaultSpec.Reason"/>).</summary>
    RefusePrepare,

    /// <summary>Every call to the host takes <see cref="FaultSpec.DelayMs"/> longer.</summary>
    Slow,

    /// <summary>The next <see cref="FaultSpec.Count"/> calls to the host answer 503.</summary>
    Errors,
}
