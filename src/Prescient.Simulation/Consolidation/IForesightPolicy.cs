namespace Prescient.Simulation.Consolidation;

/// <summary>
/// A policy that sees the future: the oracle. The simulator hands it, before the initial placement, a
/// <see cref="FutureDemand"/> that reads each VM's actual utilisation up to <see cref="LookaheadSteps"/> steps after
/// the current one. No other policy gets the future: <see cref="FleetState"/> shows the past and the present only.
/// </summary>
public interface IForesightPolicy : IConsolidationPolicy
{
    /// <summary>How many steps after the current one the policy may read (at least 1).</summary>
    int LookaheadSteps { get; }

    /// <summary>Called once per run, before <see cref="IConsolidationPolicy.PlaceInitially"/>.</summary>
    void Foresee(FutureDemand future);
}
