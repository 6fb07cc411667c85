using Prescient.Core.Migration;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>
/// What to simulate: the fleet, the VMs (with demand traces covering the training days and the replayed day), the
/// migration costs, the day to replay (UTC midnight to midnight; <see cref="Days"/> days from it), the days to train the forecasters on, and the
/// host whose charts the report centres on.
/// </summary>
public sealed record SimulationSetup(
    string Name,
    string Description,
    IReadOnlyList<HostSpec> Hosts,
    IReadOnlyList<(VmSpec Vm, string HostId)> Placement,
    MigrationCostSettings Migration,
    DateOnly Day,
    IReadOnlyList<DateOnly> TrainingDays,
    string FocusHostId,
    EngineOptions Options,
    IReadOnlyList<string> Parameters)
{
    /// <summary>How many consecutive days from <see cref="Day"/> to replay (the VMs' traces must cover them).</summary>
    public int Days { get; init; } = 1;
}
