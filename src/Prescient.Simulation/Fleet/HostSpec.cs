namespace Prescient.Simulation.Fleet;

/// <summary>A physical host: CPU capacity in cores, memory, power model, and how long waking from reduced power takes.</summary>
public sealed record HostSpec(string Id, double CpuCores, double MemoryMb, PowerModel Power, TimeSpan WakeDelay)
{
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Id);
        if (!(CpuCores > 0) || !(MemoryMb > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(CpuCores), $"Host '{Id}': CPU cores and memory must be positive.");
        }

        if (WakeDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(WakeDelay), $"Host '{Id}': the wake delay cannot be negative.");
        }
    }
}
