using Prescient.Core.Planning;
using Prescient.Core.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>
/// What one evaluation cycle read from storage: the planner's snapshot, plus what the cycle needs to commit its
/// decisions (each host's stored row with its ETag) and to explain them (hosts not evaluated, and why).
/// </summary>
/// <param name="Snapshot">The fleet as the planner sees it.</param>
/// <param name="Settings">The settings document in force.</param>
/// <param name="States">Each host's stored row (null for a host never seen by the controller), by host id.</param>
/// <param name="NotEvaluated">Hosts left out of this cycle's decisions, with the reason (for example another evaluator did them).</param>
public sealed record FleetRead(
    FleetSnapshot Snapshot,
    SettingsDocument Settings,
    IReadOnlyDictionary<string, HostState?> States,
    IReadOnlyDictionary<string, string> NotEvaluated);
