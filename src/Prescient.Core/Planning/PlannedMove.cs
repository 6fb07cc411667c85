using Prescient.Core.Migration;

namespace Prescient.Core.Planning;

/// <summary>Why a move is planned.</summary>
public enum MoveKind
{
    /// <summary>The source is above its high threshold (or forecast to be): at least one VM leaves.</summary>
    Offload,

    /// <summary>The source is below its low threshold: every VM leaves, then the host goes to reduced power.</summary>
    Evacuation,
}

/// <summary>One planned migration of a VM or a move-together group.</summary>
/// <param name="SourceHostId">From.</param>
/// <param name="DestinationHostId">To.</param>
/// <param name="VmIds">The VMs (one, or a whole group).</param>
/// <param name="GroupId">The move-together group, if any.</param>
/// <param name="Kind">Offload or evacuation.</param>
/// <param name="WakesDestination">The destination is in reduced power and must be woken first.</param>
/// <param name="SourceLoadShare">How much of the source's capacity the unit takes away (its peak over the horizon).</param>
/// <param name="Cost">The estimated cost of the move (its VMs one after another).</param>
/// <param name="Reason">The choice, in words, with the numbers.</param>
public sealed record PlannedMove(
    string SourceHostId,
    string DestinationHostId,
    IReadOnlyList<string> VmIds,
    string? GroupId,
    MoveKind Kind,
    bool WakesDestination,
    double SourceLoadShare,
    MigrationEstimate Cost,
    string Reason)
{
    /// <summary>The unit's id: the group id, or the VM id.</summary>
    public string UnitId => GroupId ?? VmIds[0];

    /// <summary>The source's settings say dry run: record the move, do not start it.</summary>
    public bool DryRun { get; init; }
}

/// <summary>A reduce-power evacuation: every VM of the host leaves (all or none), then the host's power is reduced.</summary>
/// <param name="HostId">The host to empty.</param>
/// <param name="Moves">Its moves, in the order to start them.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record PlannedEvacuation(string HostId, IReadOnlyList<PlannedMove> Moves, string Reason)
{
    /// <summary>The host's settings say dry run: record the plan, move nothing.</summary>
    public bool DryRun { get; init; }
}
