namespace Prescient.Simulation.FleetService;

public sealed record VmUpdate(double? DirtyRateMBps, double? Cpu);
