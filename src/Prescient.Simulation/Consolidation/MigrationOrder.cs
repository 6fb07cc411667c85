namespace Prescient.Simulation.Consolidation;

/// <summary>A VM move decided at one step.</summary>
public readonly record struct MigrationOrder(int Vm, int Destination);
