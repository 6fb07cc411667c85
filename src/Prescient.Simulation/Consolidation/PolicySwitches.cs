namespace Prescient.Simulation.Consolidation;

/// <summary>
/// Rules of a run that live inside a policy's decision rather than in the simulator, so each policy must implement
/// them itself (<see cref="IConsolidationPolicy.Honours"/>). A run lists, per result, the switches it asked for that the
/// policy does not implement (<see cref="ConsolidationResult.SwitchesNotHonoured"/>).
/// </summary>
[Flags]
public enum PolicySwitches
{
    None = 0,

    /// <summary>
    /// <see cref="ConsolidationSetup.EvacuateReceivers"/>: a host that received VMs in a round may be emptied (by the
    /// underload rule, reduce power, or any other consolidation step) in the same round.
    /// </summary>
    EvacuateReceivers = 1,
}
