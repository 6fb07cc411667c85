namespace Prescient.Simulation.Consolidation;

/// <summary>A consolidation policy: places VMs at the start and decides migrations at every step.</summary>
public interface IConsolidationPolicy
{
    string Name { get; }

    /// <summary>Human-readable settings, reported next to the results.</summary>
    string Settings { get; }

    /// <summary>
    /// The policy switches (<see cref="ConsolidationSetup.Switches"/>) this policy implements; a run that asks for one
    /// it does not implement says so in its results. None unless the policy says otherwise.
    /// </summary>
    PolicySwitches Honours => PolicySwitches.None;

    /// <summary>
    /// Places every VM (fleet.VmHost all -1 on entry) through <paramref name="sink"/>. A placement that does not fit
    /// is refused and counted; the simulator places a VM left unplaced itself (<see cref="ConsolidationSimulator"/>).
    /// </summary>
    void PlaceInitially(FleetState fleet, IPlacementSink sink);

    /// <summary>
    /// Adds this step's moves to <paramref name="plan"/>; the fleet holds the current demand and, through
    /// <see cref="FleetState.PastUtil"/>, the past. The simulator applies the moves in order and refuses (and counts)
    /// any that cannot happen.
    /// </summary>
    void Decide(FleetState fleet, List<MigrationOrder> plan);
}
