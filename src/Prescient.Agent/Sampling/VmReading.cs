namespace Prescient.Agent.Sampling;

/// <summary>One VM's cgroup counters at a reading.</summary>
public readonly record struct VmReading(string VmId, ulong CpuUsageMicroseconds, ulong? MemoryBytes);
