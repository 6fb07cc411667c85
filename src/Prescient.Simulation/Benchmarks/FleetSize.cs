using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>The fleet a day ran on, and the day's energy floor (<see cref="EnergyFloor"/>; 0 when no policy ran on it).</summary>
public sealed record FleetSize(string Day, int Hosts, int Vms)
{
    public double EnergyFloorKWh { get; init; }
}
