namespace Prescient.Simulation.Benchmarks;

/// <summary>The best baseline on one metric: which policy and its value (lower is better on every metric).</summary>
public sealed record BestBaseline(string Metric, string Policy, double Value);
