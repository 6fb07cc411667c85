using Prescient.Core.Planning;

namespace Prescient.Pipeline.Evaluate;

/// <summary>Settings of the evaluation cycle (bound from <c>Prescient:Pipeline:Evaluate</c>).</summary>
public sealed record EvaluateOptions
{
    /// <summary>Periods forecast ahead (the first is the running period): what destinations must hold, and cost-benefit's view of an overload.</summary>
    public int LookaheadPeriods { get; init; } = 3;

    /// <summary>CPU capacity of a host with no inventory, relative to the fleet's reference host.</summary>
    public double DefaultCpuCapacity { get; init; } = 1.0;

    /// <summary>Memory of a host with no inventory, in MB.</summary>
    public double DefaultMemoryMb { get; init; } = 256 * 1024;

    /// <summary>Hosts read at once (each reads a few rows and a model).</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>
    /// The planner's fleet-wide knobs other than the caps (which come from the global settings): decision horizon,
    /// offload margin, waking, consolidation and the migration cost model.
    /// </summary>
    public PlannerOptions Planner { get; init; } = PlannerOptions.Default;
}
