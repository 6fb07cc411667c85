namespace Prescient.Simulation.Scenarios;

/// <summary>Progress of a scenario run: what is happening and how far it is (0..1).</summary>
public readonly record struct ScenarioProgress(string Stage, double Fraction);
