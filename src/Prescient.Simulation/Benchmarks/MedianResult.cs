using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>Medians keep SLAV and ESV as the median over days of each day's value (as the paper reports them).</summary>
public sealed record MedianResult : ConsolidationResult
{
    public double MedianSlav { get; init; }

    public double MedianEsv { get; init; }

    public double MedianSlavCloudSim { get; init; }

    public double MedianEsvCloudSim { get; init; }

    public override double Slav => MedianSlav;

    public override double Esv => MedianEsv;

    public override double SlavCloudSim => MedianSlavCloudSim;

    public override double EsvCloudSim => MedianEsvCloudSim;
}
