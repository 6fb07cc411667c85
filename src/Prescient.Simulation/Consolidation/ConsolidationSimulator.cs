namespace Prescient.Simulation.Consolidation;

/// <summary>
/// Replays one PlanetLab day in 300-second steps. At each step the VMs' demand is the trace sample; the policy decides
/// on that demand; each migration lasts RAM / migration bandwidth, during which the VM runs on the source with 10 % of
/// its CPU lost (PDM) and costs the destination 10 % of its demand. A step is two phases per host: the migration phase
/// (its longest migration) and the rest. Hosts with no CPU in use draw 0 W (switched off). The simulator applies a
/// policy's moves in order and refuses, counting it in the result, any move that cannot happen (a VM that is not
/// running, a host that does not exist, or, with memory enforced, a host without room); it never aborts a run for a
/// policy's mistake. Initial placements are refused the same way (room is always checked there); a VM the policy
/// leaves unplaced is placed by the simulator with CloudSim's initial rule, and counted. Each day's result carries
/// the day's <see cref="EnergyFloor"/>. A policy that declares foresight (<see cref="IForesightPolicy"/>, the oracle)
/// gets the future through <see cref="FutureDemand"/>; no other policy does.
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
        if (policy is IForesightPolicy oracle)
        {
            oracle.Foresee(new FutureDemand(fleet, oracle.LookaheadSteps));
        }

        var refusals = new Refusals(policy.Name);
        policy.PlaceInitially(fleet, new Sink(fleet, refusals));
        var unplaced = 0;
        for (var v = 0; v < fleet.VmCount; v++)
        {
            if (fleet.VmHost[v] < 0)
            {
                unplaced++;
            }
        }

        if (unplaced > 0)
        {
            refusals.Note(-1, $"{policy.Name} left {unplaced} VM(s) unplaced; the simulator placed them (power-aware best fit)");
            PowerAwarePolicy.PlaceInitially(fleet, new Sink(fleet, null), 1.0);
        }

        var floor = new EnergyFloor(fleet);
        double floorJ = 0;
        var floorMemorySteps = 0;
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
        double aboveHigh = 0, activeHostSteps = 0, memoryFull = 0;
        var smallestVmRam = fleet.VmRam.Length == 0 ? 0 : fleet.VmRam.Min();
        int migrations = 0, undone = 0;

        for (var k = 0; k < day.Steps; k++)
        {
            fleet.RefreshDemand(k);
            floorJ += floor.StepWatts(fleet) * step;
            floorMemorySteps += floor.LastStepMemoryBound ? 1 : 0;
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
                var to = order.Destination;
                if (vm < 0 || vm >= fleet.VmCount || fleet.VmHost[vm] < 0)
                {
                    refusals.Move(k, $"VM {vm} is not running");
                    continue;
                }

                var from = fleet.VmHost[vm];
                if (to == from)
                {
                    continue;
                }

                if (to < 0 || to >= h)
                {
                    refusals.Move(k, $"VM {vm} to host {to}, which does not exist");
                    continue;
                }

                if (setup.EnforceMemory && !fleet.HasRoom(vm, to))
                {
                    refusals.Move(k, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"VM {vm} ({fleet.VmRam[vm]:0} MB) to host {to}, which has {fleet.HostRamUsed[to]:0} of {setup.HostRamMb:0} MB and {fleet.HostVms[to].Count} VMs"));
                    continue;
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

                    if (setup.HostRamMb - fleet.HostRamUsed[x] < smallestVmRam - 1e-9)
                    {
                        memoryFull += step;
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
            HostHoursMemoryFull = memoryFull / 3600,
            MeanOverloadSeconds = mean,
            P99OverloadSeconds = p99,
            MigrationsUndoneWithinHour = undone,
            MeanActiveHosts = activeHostSteps / day.Steps,
            EnergyFloorKWh = floorJ / 3.6e6,
            EnergyVsFloor = floorJ > 0 ? energyJ / floorJ : 0,
            FloorMemoryBoundShare = (double)floorMemorySteps / day.Steps,
            RefusedMoves = refusals.Moves,
            RefusedPlacements = refusals.Placements,
            VmsPlacedBySimulator = unplaced,
            FirstRefusal = refusals.First,
            SwitchesNotHonoured = setup.Switches & ~policy.Honours,
            ElapsedSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
        };
    }

    /// <summary>Counts refused moves and placements and keeps the first in words.</summary>
    private sealed class Refusals(string policy)
    {
        public int Moves { get; private set; }

        public int Placements { get; private set; }

        public string? First { get; private set; }

        public void Move(int step, string what)
        {
            Moves++;
            Note(step, $"{policy} moved {what}: refused");
        }

        public void Placement(string what)
        {
            Placements++;
            Note(-1, $"{policy} placed {what}: refused");
        }

        public void Note(int step, string what) =>
            First ??= step < 0 ? $"initial placement: {what}" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"step {step}: {what}");
    }

    /// <summary>Initial placements: refused (and counted when <paramref name="refusals"/> is given) unless the VM and host exist and the host has room.</summary>
    private sealed class Sink(FleetState fleet, Refusals? refusals) : IPlacementSink
    {
        public void Place(int vm, int host)
        {
            if (vm < 0 || vm >= fleet.VmCount || host < 0 || host >= fleet.HostCount)
            {
                refusals?.Placement($"VM {vm} on host {host}, which does not exist");
                return;
            }

            if (fleet.VmHost[vm] == host)
            {
                return;
            }

            if (!fleet.HasRoom(vm, host))
            {
                refusals?.Placement(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"VM {vm} ({fleet.VmRam[vm]:0} MB) on host {host}, which has {fleet.HostRamUsed[host]:0} of {fleet.Setup.HostRamMb:0} MB and {fleet.HostVms[host].Count} VMs"));
                return;
            }

            fleet.Place(vm, host);
        }
    }
}
