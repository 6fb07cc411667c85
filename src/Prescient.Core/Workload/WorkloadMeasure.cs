using System.Globalization;

namespace Prescient.Core.Workload;

/// <summary>
/// What a host's workload is: CPU utilisation (default), memory, IO, or a weighted mix. Weights are normalised, so
/// the combined workload of values in [0, 1] is in [0, 1].
/// </summary>
public sealed record WorkloadMeasure
{
    /// <summary>Creates a measure.</summary>
    /// <exception cref="ArgumentException">A weight is negative or not finite, or all weights are zero.</exception>
    public WorkloadMeasure(double cpuWeight, double memoryWeight, double ioWeight)
    {
        var errors = Validate(cpuWeight, memoryWeight, ioWeight);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid workload measure: " + string.Join(" ", errors));
        }

        CpuWeight = cpuWeight;
        MemoryWeight = memoryWeight;
        IoWeight = ioWeight;
    }

    /// <summary>CPU utilisation only (the default).</summary>
    public static WorkloadMeasure Cpu { get; } = new(1, 0, 0);

    /// <summary>Memory utilisation only.</summary>
    public static WorkloadMeasure Memory { get; } = new(0, 1, 0);

    /// <summary>IO utilisation only.</summary>
    public static WorkloadMeasure Io { get; } = new(0, 0, 1);

    /// <summary>Weight of CPU utilisation.</summary>
    public double CpuWeight { get; }

    /// <summary>Weight of memory utilisation.</summary>
    public double MemoryWeight { get; }

    /// <summary>Weight of IO utilisation.</summary>
    public double IoWeight { get; }

    /// <summary>All problems with a set of weights, as clear messages (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(double cpuWeight, double memoryWeight, double ioWeight)
    {
        var errors = new List<string>();
        foreach (var (name, weight) in new[] { ("cpu", cpuWeight), ("mem", memoryWeight), ("io", ioWeight) })
        {
            if (!double.IsFinite(weight) || weight < 0)
            {
                errors.Add($"The {name} weight must be a finite number of 0 or more, not {weight.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        if (errors.Count == 0 && cpuWeight + memoryWeight + ioWeight <= 0)
        {
            errors.Add("At least one of the cpu, mem and io weights must be above 0.");
        }

        return errors;
    }

    /// <summary>The weighted mean of the three utilisations, each validated to [0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">A utilisation is NaN, infinite or outside [0, 1].</exception>
    public double Combine(double cpu, double mem, double io)
    {
        Utilisation.Validate(cpu, nameof(cpu));
        Utilisation.Validate(mem, nameof(mem));
        Utilisation.Validate(io, nameof(io));
        var combined = ((CpuWeight * cpu) + (MemoryWeight * mem) + (IoWeight * io)) / (CpuWeight + MemoryWeight + IoWeight);
        return Math.Clamp(combined, 0, 1);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"cpu {CpuWeight:0.###}, mem {MemoryWeight:0.###}, io {IoWeight:0.###}");
}
