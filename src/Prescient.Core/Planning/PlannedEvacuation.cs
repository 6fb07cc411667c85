namespace Prescient.Core.Planning;

/// <summary>A reduce-power evacuation: every VM of the host leaves (all or none), then the host's power is reduced.</summary>
/// <param name="HostId">The host to empty.</param>
/// <param name="Moves">Its moves, in the order to start them.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record PlannedEvacuation(string HostId, IReadOnlyList<PlannedMove> Moves, string Reason)
{
    /// <summary>The host's settings say dry run: record the plan, move nothing.</summary>
    public bool DryRun { get; init; }
}
