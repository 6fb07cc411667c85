namespace Prescient.Core.Planning;

/// <summary>
/// The plan of one cycle: every host's decision, the offload moves, the evacuations (each followed by a power-down),
/// the hosts to power down now (already empty), and every candidate that was skipped with its reason.
/// </summary>
public sealed record CyclePlan(
    IReadOnlyList<HostOutcome> Hosts,
    IReadOnlyList<PlannedMove> Moves,
    IReadOnlyList<PlannedEvacuation> Evacuations,
    IReadOnlyList<string> PowerDowns,
    IReadOnlyList<SkippedCandidate> Skipped)
{
    /// <summary>Every move: offloads, then the evacuations' moves.</summary>
    public IEnumerable<PlannedMove> AllMoves => Moves.Concat(Evacuations.SelectMany(e => e.Moves));

    /// <summary>Hosts woken to receive VMs.</summary>
    public IEnumerable<string> Wakes => AllMoves.Where(m => m.WakesDestination).Select(m => m.DestinationHostId).Distinct(StringComparer.Ordinal);

    /// <summary>The outcome of one host.</summary>
    public HostOutcome? Host(string hostId) => Hosts.FirstOrDefault(h => string.Equals(h.HostId, hostId, StringComparison.Ordinal));
}
