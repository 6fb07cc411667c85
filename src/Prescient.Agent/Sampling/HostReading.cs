namespace Prescient.Agent.Sampling;

/// <summary>The raw counters of one reading; utilisations are computed between two readings.</summary>
public sealed record HostReading(
    long Timestamp,
    CpuTimes Cpu,
    double Memory,
    IReadOnlyDictionary<string, ulong> DiskIoTicks,
    IReadOnlyList<VmReading> Vms);
