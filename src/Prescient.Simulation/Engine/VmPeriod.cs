namespace Prescient.Simulation.Engine;

/// <summary>One measured period of a VM (utilisation of its vCPUs) and the period before it.</summary>
public readonly record struct VmPeriod(DateOnly Date, int Period, double Previous, double Actual);
