namespace Prescient.Simulation.FleetService;

public sealed record VmSnapshot(string VmId, string? GroupId, double MemoryMb, double DirtyRateMBps, string DiskLockHolder);
