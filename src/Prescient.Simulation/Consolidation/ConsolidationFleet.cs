using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Consolidation;

/// <summary>The CCPE-2012 fleet: host and VM types, bandwidth, decision interval.</summary>
public sealed record ConsolidationSetup
{
    /// <summary>Number of hosts; host i is G4 when i is even and G5 when odd (half each).</summary>
    public int Hosts { get; init; } = 800;

    public double StepSeconds { get; init; } = 300;

    public double HostRamMb { get; init; } = 4096;

    public double HostBandwidthMbps { get; init; } = 1000;

    public double VmBandwidthMbps { get; init; } = 100;

    /// <summary>
    /// Share of a host's bandwidth a migration uses (CloudSim reserves half for VM traffic), so a 1740 MB VM moves in
    /// 1740 / (1000 / 8 / 2) = 27.8 s.
    /// </summary>
    public double MigrationBandwidthShare { get; init; } = 0.5;

    /// <summary>CPU lost by a VM while it migrates (fraction of its demand).</summary>
    public double MigrationDegradation { get; init; } = 0.1;

    /// <summary>
    /// Whether VM memory (4 GB per host) and bandwidth (10 VMs per host) limit placements after the start. CloudSim
    /// 3.0.3's PlanetLab setup reserves a VM's RAM and bandwidth only while it is being created (its RAM and bandwidth
    /// utilisation models are null, so a running VM requests 0 MB), so only CPU limits consolidation there; the
    /// default follows it so the baselines can be compared with the published figures. VM RAM always sets the
    /// migration time.
    /// </summary>
    public bool EnforceMemory { get; init; }

    /// <summary>
    /// CloudSim 3.0.3's completed-VM rule: at every update its power datacenter removes, for the rest of the run, each
    /// VM (not migrating) whose current CPU request is 0 (<c>HostDynamicWorkload.getCompletedVms</c>: a requested MIPS
    /// of 0 is taken as a finished cloudlet). Its updates fall just after the sample instants, where the interpolated
    /// PlanetLab utilisation is 0 only when a sample and the next are both 0, so with this switch a VM leaves the fleet
    /// at the first step k with <c>Util[k] = Util[k + 1] = 0</c>. Off by default: the benchmark runs every VM for 24 h;
    /// on only to reproduce CloudSim's figures (<c>--cloudsim-vm-removal</c>).
    /// </summary>
    public bool RemoveIdleVms { get; init; }

    /// <summary>
    /// CloudSim 3.0.3's underload exclusion list: it is meant to hold the hosts chosen for VMs from overloaded hosts,
    /// but is built from a new, empty migration map, so those hosts can be picked as underloaded in the same round and
    /// emptied, their just-received VMs with them (a VM then migrates twice in one round, counted twice). Off by
    /// default; on only to reproduce CloudSim's figures.
    /// </summary>
    public bool EvacuateReceivers { get; init; }

    /// <summary>Which workload and algorithm variant a run used, for reports: the default, or the CloudSim 3.0.3 behaviours switched on.</summary>
    public string Mode => (RemoveIdleVms, EvacuateReceivers) switch
    {
        (false, false) => "default (every VM all day; hosts that received VMs are not emptied in the same round)",
        (true, true) => "CloudSim 3.0.3 reproduction (idle VMs removed; hosts that received VMs may be emptied in the same round)",
        (true, false) => "CloudSim 3.0.3 idle-VM removal only",
        (false, true) => "CloudSim 3.0.3 receiver evacuation only",
    };

    public static IReadOnlyList<double> VmMips { get; } = [2500, 2000, 1000, 500];

    public static IReadOnlyList<double> VmRamMb { get; } = [870, 1740, 1740, 613];

    public double MigrationSeconds(double ramMb) => ramMb / (HostBandwidthMbps / 8 * MigrationBandwidthShare);

    /// <summary>VMs per host in the CCPE-2012 setup: 1,052 VMs (its first PlanetLab day) on 800 hosts.</summary>
    public const int CcpeVms = 1052;

    public const int CcpeHosts = 800;

    /// <summary>
    /// Hosts for a fleet of <paramref name="vms"/> VMs at the CCPE ratio (800 hosts for 1,052 VMs), rounded up to an
    /// even number (half G4, half G5), at least 2. The other trace families use it; PlanetLab keeps 800.
    /// </summary>
    public static int HostsFor(int vms)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vms);
        var hosts = (int)(((long)vms * CcpeHosts + CcpeVms - 1) / CcpeVms);
        hosts += hosts % 2;
        return Math.Max(2, hosts);
    }
}

/// <summary>
/// One fleet-day as a dense utilisation matrix: <c>Util[v][k]</c> in [0, 1], 288 five-minute steps. PlanetLab day
/// folders load with <see cref="Load"/>; the other trace families build theirs with <see cref="TraceFamilyDays"/>.
/// </summary>
public sealed class PlanetLabDay
{
    /// <param name="name">The day's name in results (PlanetLab: the folder name, YYYYMMDD; other families: family/yyyy-MM-dd).</param>
    /// <param name="util">Utilisation per VM per step.</param>
    /// <param name="date">The calendar date; when null, parsed from a YYYYMMDD name if it is one.</param>
    public PlanetLabDay(string name, double[][] util, DateOnly? date = null)
    {
        ArgumentNullException.ThrowIfNull(util);
        if (util.Length == 0)
        {
            throw new ArgumentException($"Day {name} has no VM traces.", nameof(util));
        }

        Name = name;
        Util = util;
        Date = date ?? (DateOnly.TryParseExact(name, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : null);
        Steps = util[0].Length;
        foreach (var row in util)
        {
            if (row.Length != Steps)
            {
                throw new ArgumentException($"Day {name}: every VM needs {Steps} samples.", nameof(util));
            }
        }
    }

    public string Name { get; }

    /// <summary>The calendar date (UTC) of the day, when known.</summary>
    public DateOnly? Date { get; }

    public double[][] Util { get; }

    public int Steps { get; }

    public int VmCount => Util.Length;

    /// <summary>
    /// Reads a day folder (files in ordinal name order). A file shorter than 288 samples is padded with its last
    /// value, as CloudSim repeats the last sample.
    /// </summary>
    public static PlanetLabDay Load(string folder, int steps = 288)
    {
        var series = PlanetLabReader.ReadDay(folder);
        var util = new double[series.Count][];
        for (var v = 0; v < series.Count; v++)
        {
            var values = series[v].Values;
            var row = new double[steps];
            for (var k = 0; k < steps; k++)
            {
                row[k] = values[Math.Min(k, values.Count - 1)];
            }

            util[v] = row;
        }

        return new PlanetLabDay(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), util);
    }
}

/// <summary>
/// The fleet's static description and dynamic placement, as plain arrays so the simulation loop allocates nothing.
/// </summary>
public sealed class FleetState
{
    internal FleetState(ConsolidationSetup setup, PlanetLabDay day)
    {
        Setup = setup;
        Day = day;
        HostCount = setup.Hosts;
        VmCount = day.VmCount;
        HostType = new int[HostCount];
        HostCapacity = new double[HostCount];
        HostPeMips = new double[HostCount];
        HostPower = new PowerModel[HostCount];
        HostVmSlots = (int)Math.Floor(setup.HostBandwidthMbps / setup.VmBandwidthMbps);
        for (var h = 0; h < HostCount; h++)
        {
            var g5 = h % 2 == 1;
            HostType[h] = g5 ? 1 : 0;
            HostPeMips[h] = g5 ? 2660 : 1860;
            HostCapacity[h] = 2 * HostPeMips[h];
            HostPower[h] = g5 ? PowerModel.HpProLiantMl110G5 : PowerModel.HpProLiantMl110G4;
        }

        VmMips = new double[VmCount];
        VmRam = new double[VmCount];
        VmMigrationSeconds = new double[VmCount];
        // CloudSim's PlanetLab helper assigns types in four blocks (type = index / ceil(n / 4)) over the files, so the
        // initial placement sees the VMs in decreasing size; dealing types round-robin instead leaves no G5 host free
        // for the last 2500-MIPS VMs at the start.
        var block = (int)Math.Ceiling(VmCount / 4.0);
        for (var v = 0; v < VmCount; v++)
        {
            var type = Math.Min(3, v / block);
            VmMips[v] = ConsolidationSetup.VmMips[type];
            VmRam[v] = ConsolidationSetup.VmRamMb[type];
            VmMigrationSeconds[v] = setup.MigrationSeconds(VmRam[v]);
        }

        VmHost = new int[VmCount];
        Array.Fill(VmHost, -1);
        VmRemoved = new bool[VmCount];
        HostVms = new List<int>[HostCount];
        for (var h = 0; h < HostCount; h++)
        {
            HostVms[h] = new List<int>(8);
        }

        HostRamUsed = new double[HostCount];
        Demand = new double[VmCount];
        HostAllocatedMips = new double[HostCount];
        HostRequestedMips = new double[HostCount];
    }

    public ConsolidationSetup Setup { get; }

    public PlanetLabDay Day { get; }

    public int HostCount { get; }

    public int VmCount { get; }

    /// <summary>0 = G4, 1 = G5.</summary>
    public int[] HostType { get; }

    public double[] HostCapacity { get; }

    public double[] HostPeMips { get; }

    public PowerModel[] HostPower { get; }

    /// <summary>Most VMs a host can carry by bandwidth (1 Gbit/s / 100 Mbit/s = 10).</summary>
    public int HostVmSlots { get; }

    public double[] VmMips { get; }

    public double[] VmRam { get; }

    public double[] VmMigrationSeconds { get; }

    /// <summary>Host of each VM; -1 before the initial placement and after the VM was removed.</summary>
    public int[] VmHost { get; }

    /// <summary>VMs removed by <see cref="ConsolidationSetup.RemoveIdleVms"/> (they request nothing and sit on no host).</summary>
    public bool[] VmRemoved { get; }

    /// <summary>Number of VMs removed so far.</summary>
    public int RemovedVms { get; private set; }

    /// <summary>VMs per host in arrival order (MMT breaks ties by it, as CloudSim does).</summary>
    public List<int>[] HostVms { get; }

    public double[] HostRamUsed { get; }

    /// <summary>The current step's CPU demand of each VM in MIPS.</summary>
    public double[] Demand { get; }

    /// <summary>MIPS the host gives its VMs at the current step before decisions (demand capped per PE and at capacity).</summary>
    public double[] HostAllocatedMips { get; }

    /// <summary>Sum of the VMs' demand at the current step before decisions.</summary>
    public double[] HostRequestedMips { get; }

    /// <summary>The current step (0-based); -1 during initial placement.</summary>
    public int Step { get; internal set; } = -1;

    public double Util(int vm, int step) => Day.Util[vm][step];

    /// <summary>Host utilisation (allocated / capacity) at the current step before decisions.</summary>
    public double HostUtilisation(int host) => HostAllocatedMips[host] / HostCapacity[host];

    internal void Place(int vm, int host)
    {
        var from = VmHost[vm];
        if (from >= 0)
        {
            HostVms[from].Remove(vm);
            HostRamUsed[from] -= VmRam[vm];
        }

        VmHost[vm] = host;
        HostVms[host].Add(vm);
        HostRamUsed[host] += VmRam[vm];
    }

    internal void RefreshDemand(int step)
    {
        Step = step;
        var next = Math.Min(step + 1, Day.Steps - 1);
        for (var v = 0; v < VmCount; v++)
        {
            if (!VmRemoved[v] && Setup.RemoveIdleVms && VmHost[v] >= 0 && Day.Util[v][step] == 0 && Day.Util[v][next] == 0)
            {
                var from = VmHost[v];
                HostVms[from].Remove(v);
                HostRamUsed[from] -= VmRam[v];
                VmHost[v] = -1;
                VmRemoved[v] = true;
                RemovedVms++;
            }

            Demand[v] = VmRemoved[v] ? 0 : Day.Util[v][step] * VmMips[v];
        }

        for (var h = 0; h < HostCount; h++)
        {
            double req = 0, alloc = 0;
            var pe = HostPeMips[h];
            var vms = HostVms[h];
            for (var i = 0; i < vms.Count; i++)
            {
                var d = Demand[vms[i]];
                req += d;
                alloc += d > pe ? pe : d;
            }

            HostRequestedMips[h] = req;
            HostAllocatedMips[h] = Math.Min(alloc, HostCapacity[h]);
        }
    }
}
