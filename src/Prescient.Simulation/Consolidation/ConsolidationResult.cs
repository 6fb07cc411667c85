namespace Prescient.Simulation.Consolidation;

/// <summary>The metrics of one policy on one day.</summary>
public record ConsolidationResult
{
    public required string Name { get; init; }

    public required string Day { get; init; }

    public required string Settings { get; init; }

    public double EnergyKWh { get; init; }

    /// <summary>Fraction of active host time at 100 % CPU (demand, including migration overhead, above capacity).</summary>
    public double Slatah { get; init; }

    /// <summary>SLATAH as CloudSim 3.0.3 counts it: also every interval in which a host receives a migrating VM.</summary>
    public double SlatahCloudSim { get; init; }

    /// <summary>Performance degradation due to migration: CPU lost by migrating VMs / CPU requested by all VMs.</summary>
    public double Pdm { get; init; }

    public virtual double Slav => Slatah * Pdm;

    public virtual double Esv => EnergyKWh * Slav;

    public virtual double SlavCloudSim => SlatahCloudSim * Pdm;

    public virtual double EsvCloudSim => EnergyKWh * SlavCloudSim;

    public int Migrations { get; init; }

    /// <summary>Host-hours with requested utilisation above 0.8.</summary>
    public double HostHoursAboveHigh { get; init; }

    /// <summary>
    /// Powered host-hours in which a host's free memory was less than the smallest VM's RAM: it could take no VM by
    /// memory (or, with memory not enforced, held more than its RAM). Next to <see cref="HostHoursAboveHigh"/> it shows
    /// which of memory and CPU binds a policy's hosts.
    /// </summary>
    public double HostHoursMemoryFull { get; init; }

    /// <summary>Mean length of a host's uninterrupted overload (at 100 % CPU), seconds.</summary>
    public double MeanOverloadSeconds { get; init; }

    public double P99OverloadSeconds { get; init; }

    /// <summary>Migrations that move a VM back to the host it left less than an hour before.</summary>
    public int MigrationsUndoneWithinHour { get; init; }

    public double MeanActiveHosts { get; init; }

    /// <summary>
    /// The physical limit for the day (<see cref="EnergyFloor"/>): the least energy that serves all demand (CPU, and
    /// memory when enforced) on the most efficient hosts with no migration cost. The same for every policy on a day.
    /// </summary>
    public double EnergyFloorKWh { get; init; }

    /// <summary>
    /// Share of the day's steps in which memory, not CPU, set the floor's number of powered hosts
    /// (<see cref="EnergyFloor.LastStepMemoryBound"/>); 0 when memory is not enforced. A host profile where both bind
    /// has it well between 0 and 1 on some families.
    /// </summary>
    public double FloorMemoryBoundShare { get; init; }

    /// <summary>Energy / <see cref="EnergyFloorKWh"/> (for medians: the median of the days' ratios); 0 when the floor is 0.</summary>
    public double EnergyVsFloor { get; init; }

    /// <summary>Moves the simulator refused: to a host without room (memory enforced), to no host, or of a VM not running.</summary>
    public int RefusedMoves { get; init; }

    /// <summary>Initial placements the simulator refused (no room on the host, or no such VM or host).</summary>
    public int RefusedPlacements { get; init; }

    /// <summary>VMs the policy left unplaced at the start, which the simulator placed itself (CloudSim's initial rule).</summary>
    public int VmsPlacedBySimulator { get; init; }

    /// <summary>The first refusal of the run, in words (null when none).</summary>
    public string? FirstRefusal { get; init; }

    /// <summary>Policy switches the run asked for that the policy does not implement (<see cref="IConsolidationPolicy.Honours"/>).</summary>
    public PolicySwitches SwitchesNotHonoured { get; init; }

    public double ElapsedSeconds { get; init; }
}
