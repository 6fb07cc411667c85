namespace Prescient.Simulation.Consolidation;

/// <summary>
/// The bound of the Prescient policies: a <see cref="PrescientPolicy"/> with their settings whose forecasts are the
/// VMs' actual demand over the next steps (the only Prescient policy the simulator shows the future, through
/// <see cref="FutureDemand"/>).
/// </summary>
public sealed class PrescientOracle(PrescientPolicy policy, int lookaheadSteps) : IForesightPolicy
{
    public string Name => policy.Name;

    public string Settings => policy.Settings;

    public PolicySwitches Honours => policy.Honours;

    public int LookaheadSteps { get; } = lookaheadSteps >= 1 ? lookaheadSteps : throw new ArgumentOutOfRangeException(nameof(lookaheadSteps));

    public void Foresee(FutureDemand future) => policy.Foresee(future);

    public void PlaceInitially(FleetState fleet, IPlacementSink sink) => policy.PlaceInitially(fleet, sink);

    public void Decide(FleetState fleet, List<MigrationOrder> plan) => policy.Decide(fleet, plan);
}
