using Prescient.Core.Controller;

namespace Prescient.Core.Planning;

/// <summary>One host's part of a cycle: the controller's decision and new state, and what the planner did about it.</summary>
/// <param name="HostId">The host.</param>
/// <param name="Decision">The controller's decision; null when the controller did not run (reduced power, no measurement, evaluated elsewhere).</param>
/// <param name="State">The controller state to store; null when the controller did not run.</param>
/// <param name="IndicationSince">Since when the decision's indication has held (to store with the state).</param>
/// <param name="Notes">What the planner did or could not do for this host, in words.</param>
public sealed record HostOutcome(string HostId, Decision? Decision, ControllerState? State, DateTimeOffset? IndicationSince, IReadOnlyList<string> Notes);

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
