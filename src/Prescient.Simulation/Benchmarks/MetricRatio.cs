namespace Prescient.Simulation.Benchmarks;

/// <summary>A policy's value on one metric against the best baseline's (<see cref="Ratio"/> null when the best is 0).</summary>
public sealed record MetricRatio(string Metric, string Baseline, double BaselineValue, double Value)
{
    public double? Ratio => BaselineValue > 0 ? Value / BaselineValue : null;
}
