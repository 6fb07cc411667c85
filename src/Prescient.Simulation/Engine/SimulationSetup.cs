using Prescient.Core.Migration;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>How the engine runs: its clock, the controller's cadence and the knobs of acting on indications.</summary>
public sealed record EngineOptions
{
    /// <summary>Simulation step (the fleet integrates loads, energy and migrations at this resolution, events exactly).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often controllers evaluate; "measured" is the mean utilisation over this interval.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The prediction period (the patent's 20 minutes).</summary>
    public TimeSpan PeriodLength { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Offloading aims this far below the high threshold (the planner's offload margin), so noise does not cross it at once.</summary>
    public double OffloadHeadroom { get; init; } = 0.05;

    /// <summary>Reduce-power indications are acted on only between these local times (a scheduled power-management window); null: any time.</summary>
    public (TimeOnly From, TimeOnly Until)? PowerDownWindow { get; init; }

    /// <summary>Epochs of bulk training on the training days.</summary>
    public int TrainingEpochs { get; init; } = 150;

    public void Validate()
    {
        if (Step <= TimeSpan.Zero || EvaluationInterval < Step || EvaluationInterval.Ticks % Step.Ticks != 0)
        {
            throw new ArgumentException("The evaluation interval must be a positive multiple of the step.");
        }

        if (PeriodLength.Ticks % EvaluationInterval.Ticks != 0 || TimeSpan.FromDays(1).Ticks % PeriodLength.Ticks != 0)
        {
            throw new ArgumentException("The period must be a multiple of the evaluation interval and divide a day.");
        }

        if (!(OffloadHeadroom is >= 0 and < 0.5) || TrainingEpochs < 0)
        {
            throw new ArgumentException("Headroom in [0, 0.5) and non-negative epochs.");
        }
    }
}

/// <summary>
/// A policy to compare: its name, what it does, whether it migrates at all (false: the "no migration" baseline), and
/// the settings every host's controller and the planner use. Forecasts reach the planner unless the controller mode
/// is reactive.
/// </summary>
public sealed record PolicyDefinition(string Name, string Description, bool Migrates, Core.Settings.HostSettings Settings);

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
