namespace Prescient.Core.Planning;

/// <summary>A candidate the planner skipped, and why (shown in the decision's audit trail).</summary>
/// <param name="HostId">The host the candidate would have left.</param>
/// <param name="VmIds">The VMs of the candidate unit (empty when the whole host was skipped).</param>
/// <param name="Rule">The rule that stopped it.</param>
/// <param name="Reason">Why, in words, with the numbers.</param>
public sealed record SkippedCandidate(string HostId, IReadOnlyList<string> VmIds, SkipRule Rule, string Reason);
