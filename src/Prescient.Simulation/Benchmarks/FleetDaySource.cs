using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>One fleet-day to run: its name and its matrix, loaded on first use.</summary>
public sealed record FleetDaySource(string Name, Lazy<PlanetLabDay> Day);
