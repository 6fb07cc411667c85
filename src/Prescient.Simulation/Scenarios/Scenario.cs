using Prescient.Simulation.Engine;

namespace Prescient.Simulation.Scenarios;

/// <summary>A scenario: the setup, how to make a forecaster for a VM, and the policies to compare.</summary>
public sealed record Scenario(SimulationSetup Setup, Func<string, IVmForecaster> NewForecaster, IReadOnlyList<PolicyDefinition> Policies);
