namespace Prescient.Core.Planning;

/// <summary>Why a candidate move was not planned.</summary>
public enum SkipRule
{
    /// <summary>Automatic migration is off for the VM (or for a member of its move-together group).</summary>
    AutoMigrateOff,

    /// <summary>The VM is already migrating.</summary>
    Busy,

    /// <summary>The VM moved less than the cooldown ago.</summary>
    Cooldown,

    /// <summary>The host's indication has not lasted the hold duration yet.</summary>
    Hold,

    /// <summary>Moving the unit lowers the source's load by less than the minimum improvement.</summary>
    MinimumImprovement,

    /// <summary>The overload is expected to end before the migration would.</summary>
    CostBenefit,

    /// <summary>The fleet-wide cap on migrations per cycle is reached.</summary>
    CycleCap,

    /// <summary>The source's cap on migrations per cycle is reached.</summary>
    HostCap,

    /// <summary>No destination has the CPU (over the coming periods) and the memory, within its own caps.</summary>
    NoRoom,

    /// <summary>The host received VMs or has migrations in flight in this cycle: it is not emptied now.</summary>
    HostBusy,
}

/// <summary>A candidate the planner skipped, and why (shown in the decision's audit trail).</summary>
/// <param name="HostId">The host the candidate would have left.</param>
/// <param name="VmIds">The VMs of the candidate unit (empty when the whole host was skipped).</param>
/// <param name="Rule">The rule that stopped it.</param>
/// <param name="Reason">Why, in words, with the numbers.</param>
public sealed record SkippedCandidate(string HostId, IReadOnlyList<string> VmIds, SkipRule Rule, string Reason);
