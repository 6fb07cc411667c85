namespace Prescient.Simulation.Consolidation;

/// <summary>Where initial placements go.</summary>
public interface IPlacementSink
{
    /// <summary>
    /// Places <paramref name="vm"/> on <paramref name="host"/>, or refuses (and counts) a placement that does not fit:
    /// then <see cref="FleetState.VmHost"/> of the VM is unchanged.
    /// </summary>
    void Place(int vm, int host);
}
