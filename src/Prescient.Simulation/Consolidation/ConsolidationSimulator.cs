namespace Prescient.Simulation.Consolidation;

/// <summary>A VM move decided at one step.</summary>
public readonly record struct MigrationOrder(int Vm, int Destination);

/// <summary>A consolidation policy: places VMs at the start and decides migrations at every step.</summary>
public interface IConsolidationPolicy
{
    string Name { get; }

    /// <summary>Human-readable settings, reported next to the results.</summary>
    string Settings { get; }

    /// <summary>Places every VM (fleet.VmHost all -1 on entry) using <see cref="FleetState.Place"/> through the helper.</summary>
    void PlaceInitially(FleetState fleet, IPlacementSink sink);

    /// <summary>Adds this step's moves to <paramref name="plan"/>; the fleet holds the current demand.</summary>
    void Decide(FleetState fleet, List<MigrationOrder> plan);
}

/// <summary>Where initial placements go.</summary>
public interface IPlacementSink
{
    void Place(int vm, int host);
}

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

    /// <summary>Mean length of a host's uninterrupted overload (at 100 % CPU), seconds.</summary>
    public double MeanOverloadSeconds { get; init; }

    public double P99OverloadSeconds { get; init; }

    /// <summary>Migrations that move a VM back to the host it left less than an hour before.</summary>
    public int MigrationsUndoneWithinHour { get; init; }

    public double MeanActiveHosts { get; init; }

    public double ElapsedSeconds { get; init; }
}

/// <summary>
/// Replays one PlanetLab day in 300-second steps. At each step the VMs' demand is the trace sample; the policy decides
/// on that demand; each migration lasts RAM / migration bandwidth, during which the VM runs on the source with 10 % of
/// its CPU lost (PDM) and costs the destination 10 % of its demand. A step is two phases per host: the migration phase
/// (its longest migration) and the rest. Hosts with no CPU in use draw 0 W (switched off).
/// </summary>
public sealed class ConsolidationSimulator(ConsolidationSetup setup)
{
    private const int UndoWindowSteps = 12;

    public ConsolidationResult Run(PlanetLabDay day, IConsolidationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(day);
        ArgumentNullException.ThrowIfNull(policy);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var fleet = new FleetState(setup, day);
        var sink = new Sink(fleet);
        policy.PlaceInitially(fleet, sink);
        for (var v = 0; v < fleet.VmCount; v++)
        {
            if (fleet.VmHost[v] < 0)
            {
                throw new InvalidOperationException($"{policy.Name} left VM {v} unplaced.");
            }
        }

        var h = fleet.HostCount;
        var step = setup.StepSeconds;
        var outReq = new double[h];
        var outAlloc = new double[h];
        var inReq = new double[h];
        var inAlloc = new double[h];
        var phaseA = new double[h];
        var overloadRun = new double[h];
        var runs = new List<double>();
        var lastFrom = new int[fleet.VmCount];
        var lastStep = new int[fleet.VmCount];
        Array.Fill(lastFrom, -1);
        var plan = new List<MigrationOrder>(256);
        var moves = new List<(int Vm, int From, int To)>(256);

        double energyJ = 0, activeTime = 0, violatedTime = 0, violatedTimeCloudSim = 0, lostMips = 0, requestedMips = 0;
        double aboveHigh = 0, activeHostSteps = 0;
        int migrations = 0, undone = 0;

        for (var k = 0; k < day.Steps; k++)
        {
            fleet.RefreshDemand(k);
            plan.Clear();
            policy.Decide(fleet, plan);

            Array.Clear(outReq);
            Array.Clear(outAlloc);
            Array.Clear(inReq);
            Array.Clear(inAlloc);
            Array.Clear(phaseA);
            moves.Clear();
            foreach (var order in plan)
            {
                var vm = order.Vm;
                var from = fleet.VmHost[vm];
                var to = order.Destination;
                if (to == from)
                {
                    continue;
                }

                if (to < 0 || to >= h)
                {
                    throw new InvalidOperationException($"{policy.Name} moved VM {vm} to host {to}, which does not exist.");
                }

                if (setup.EnforceMemory && (fleet.HostRamUsed[to] + fleet.VmRam[vm] > setup.HostRamMb + 1e-9 || fleet.HostVms[to].Count >= fleet.HostVmSlots))
                {
                    throw new InvalidOperationException($"{policy.Name} moved VM {vm} to host {to}, which has no room (memory or bandwidth).");
                }

                var d = fleet.Demand[vm];
                var pe = Math.Min(d, fleet.HostPeMips[from]);
                outReq[from] += d;
                outAlloc[from] += pe;
                inReq[to] += d;
                inAlloc[to] += Math.Min(d, fleet.HostPeMips[to]);
                var t = Math.Min(fleet.VmMigrationSeconds[vm], step);
                phaseA[from] = Math.Max(phaseA[from], t);
                phaseA[to] = Math.Max(phaseA[to], t);
                lostMips += setup.MigrationDegradation * d * t;
                migrations++;
                if (lastFrom[vm] == to && k - lastStep[vm] < UndoWindowSteps)
                {
                    undone++;
                }

                lastFrom[vm] = from;
                lastStep[vm] = k;
                moves.Add((vm, from, to));
                fleet.Place(vm, to);
            }

            for (var v = 0; v < fleet.VmCount; v++)
            {
                requestedMips += fleet.Demand[v] * step;
            }

            for (var x = 0; x < h; x++)
            {
                var cap = fleet.HostCapacity[x];
                var peMips = fleet.HostPeMips[x];
                var vms = fleet.HostVms[x];
                double postReq = 0, postAlloc = 0;
                for (var i = 0; i < vms.Count; i++)
                {
                    var d = fleet.Demand[vms[i]];
                    postReq += d;
                    postAlloc += d > peMips ? peMips : d;
                }

                var tA = phaseA[x];
                var overloaded = 0.0;
                if (tA > 0)
                {
                    // Staying VMs = after minus arrivals; departures still run here at 90 %, arrivals cost 10 %.
                    var stayReq = postReq - inReq[x];
                    var stayAlloc = postAlloc - inAlloc[x];
                    var reqA = stayReq + ((1 - setup.MigrationDegradation) * outReq[x]) + (setup.MigrationDegradation * inReq[x]);
                    var allocA = Math.Min(cap, stayAlloc + ((1 - setup.MigrationDegradation) * outAlloc[x]) + (setup.MigrationDegradation * inAlloc[x]));
                    if (allocA > 0)
                    {
                        activeTime += tA;
                        energyJ += fleet.HostPower[x].WattsAt(allocA / cap) * tA;
                        var violated = allocA < reqA - 1e-9;
                        if (violated)
                        {
                            violatedTime += tA;
                            overloaded += tA;
                        }

                        if (violated || inReq[x] > 0)
                        {
                            violatedTimeCloudSim += tA;
                        }

                        if (reqA / cap > 0.8)
                        {
                            aboveHigh += tA;
                        }
                    }
                }

                var tB = step - tA;
                var allocB = Math.Min(cap, postAlloc);
                if (allocB > 0)
                {
                    activeTime += tB;
                    activeHostSteps += tB / step;
                    energyJ += fleet.HostPower[x].WattsAt(allocB / cap) * tB;
                    if (allocB < postReq - 1e-9)
                    {
                        violatedTime += tB;
                        violatedTimeCloudSim += tB;
                        overloaded += tB;
                    }

                    if (postReq / cap > 0.8)
                    {
                        aboveHigh += tB;
                    }
                }

                if (overloaded > 0)
                {
                    overloadRun[x] += overloaded;
                }
                else if (overloadRun[x] > 0)
                {
                    runs.Add(overloadRun[x]);
                    overloadRun[x] = 0;
                }
            }
        }

        foreach (var r in overloadRun)
        {
            if (r > 0)
            {
                runs.Add(r);
            }
        }

        runs.Sort();
        var mean = 0.0;
        foreach (var r in runs)
        {
            mean += r;
        }

        mean = runs.Count == 0 ? 0 : mean / runs.Count;
        var p99 = runs.Count == 0 ? 0 : runs[Math.Min(runs.Count - 1, (int)Math.Ceiling(0.99 * runs.Count) - 1)];
        return new ConsolidationResult
        {
            Name = policy.Name,
            Day = day.Name,
            Settings = policy.Settings,
            EnergyKWh = energyJ / 3.6e6,
            Slatah = activeTime > 0 ? violatedTime / activeTime : 0,
            SlatahCloudSim = activeTime > 0 ? violatedTimeCloudSim / activeTime : 0,
            Pdm = requestedMips > 0 ? lostMips / requestedMips : 0,
            Migrations = migrations,
            HostHoursAboveHigh = aboveHigh / 3600,
            MeanOverloadSeconds = mean,
            P99OverloadSeconds = p99,
            MigrationsUndoneWithinHour = undone,
            MeanActiveHosts = activeHostSteps / day.Steps,
            ElapsedSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
        };
    }

    private sealed class Sink(FleetState fleet) : IPlacementSink
    {
        public void Place(int vm, int host)
        {
            if (fleet.HostRamUsed[host] + fleet.VmRam[vm] > fleet.Setup.HostRamMb + 1e-9 || fleet.HostVms[host].Count >= fleet.HostVmSlots)
            {
                throw new InvalidOperationException($"Initial placement put VM {vm} on host {host}, which has no room.");
            }

            fleet.Place(vm, host);
        }
    }
}
