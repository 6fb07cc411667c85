using Prescient.Core.Migration;

namespace Prescient.Core.Planning;

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
