using Prescient.Core.Controller;

namespace Prescient.Core.Planning;

/// <summary>One host's part of a cycle: the controller's decision and new state, and what the planner did about it.</summary>
/// <param name="HostId">The host.</param>
/// <param name="Decision">The controller's decision; null when the controller did not run (reduced power, no measurement, evaluated elsewhere).</param>
/// <param name="State">The controller state to store; null when the controller did not run.</param>
/// <param name="IndicationSince">Since when the decision's indication has held (to store with the state).</param>
/// <param name="Notes">What the planner did or could not do for this host, in words.</param>
public sealed record HostOutcome(string HostId, Decision? Decision, ControllerState? State, DateTimeOffset? IndicationSince, IReadOnlyList<string> Notes);
