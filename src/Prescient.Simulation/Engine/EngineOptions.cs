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

    /// <summary>The planner's <see cref="Prescient.Core.Planning.PlannerOptions.OffloadMargin"/> (the product's default unless set): headroom below the high threshold for sources and destinations.</summary>
    public double OffloadHeadroom { get; init; } = Prescient.Core.Planning.PlannerOptions.Default.OffloadMargin;

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
