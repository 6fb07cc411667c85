using Prescient.Core.Migration;

namespace Prescient.Core.Planning;

/// <summary>Fleet-wide knobs of the planner (per-host knobs are in each host's <see cref="Settings.HostSettings"/>).</summary>
public sealed record PlannerOptions
{
    /// <summary>The defaults.</summary>
    public static PlannerOptions Default { get; } = new();

    /// <summary>Most migrations started in one cycle, fleet-wide (evacuation moves included).</summary>
    public int MaxMigrationsPerCycle { get; init; } = 8;

    /// <summary>
    /// Forecast periods the controller's offload comparison covers (the upper quantile's peak over them): at least the
    /// time a migration needs to complete, so that an offload starts before the onset of an overload.
    /// </summary>
    public int DecisionHorizonPeriods { get; init; } = 1;

    /// <summary>
    /// Headroom below the high threshold, as a fraction of a host: an offload brings its source this far below the
    /// high threshold, and a move fills a destination above its high threshold less this margin only to relieve an
    /// overload when no running host has room under it and none can be woken (an evacuation never does) (0: right up
    /// to the threshold, the patent's range; more: a rising or noisy load does not push a host that was just relieved,
    /// or just filled, back over the threshold the next period, at the price of more hosts on).
    /// </summary>
    public double OffloadMargin { get; init; } = 0.1;

    /// <summary>Whether a reduced-power host may be woken to receive an offload when no running host fits.</summary>
    public bool AllowWake { get; init; } = true;

    /// <summary>Whether a host that received VMs in this cycle may still be evacuated in the same cycle (CloudSim 3.0.3 does it).</summary>
    public bool MayEvacuateReceivers { get; init; }

    /// <summary>
    /// Consolidate when the fleet fits on fewer hosts: after offloads and reduce-power evacuations, when the running
    /// hosts' peak load would fit under their high thresholds on one host fewer, the least loaded running host that
    /// was not emptied, did not receive and holds no cooling VM is evacuated too (all VMs or none), at most one per cycle.
    /// </summary>
    public bool ConsolidateWhenFleetFits { get; init; }

    /// <summary>How the cost of moving a VM is estimated (pre-copy rounds from memory size and dirty rate).</summary>
    public MigrationCostSettings MigrationCost { get; init; } = new();

    /// <summary>All problems, as clear messages (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxMigrationsPerCycle < 1)
        {
            errors.Add($"The cap on migrations per cycle must be at least 1, not {MaxMigrationsPerCycle}.");
        }

        if (DecisionHorizonPeriods < 1)
        {
            errors.Add($"The decision horizon must be at least 1 period, not {DecisionHorizonPeriods}.");
        }

        if (!(OffloadMargin is >= 0 and < 1))
        {
            errors.Add($"The offload margin must be in [0, 1), not {OffloadMargin}.");
        }

        if (MigrationCost is null)
        {
            errors.Add("The migration cost settings are required.");
        }

        return errors;
    }
}
