namespace Prescient.Simulation.FleetService;

/// <summary>A simulated VM placed on <see cref="HostId"/>, running.</summary>
public sealed record SimVmSpec(string VmId, string HostId, double Cpu, double MemoryMb, double DirtyRateMBps, string? GroupId = null);
