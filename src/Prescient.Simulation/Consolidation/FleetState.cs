using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Consolidation;

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
        HostVmSlots = setup.VmSlotsPerHost;
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

    /// <summary>
    /// The whole day's trace, the future included: for the harness only. Policies read the past through
    /// <see cref="PastUtil"/> and <see cref="Util"/>; only a policy that declares foresight
    /// (<see cref="IForesightPolicy"/>) reads the future, through <see cref="FutureDemand"/>.
    /// </summary>
    internal PlanetLabDay Day { get; }

    /// <summary>The day's name (PlanetLab: YYYYMMDD; other families: family/yyyy-MM-dd).</summary>
    public string DayName => Day.Name;

    /// <summary>The calendar date (UTC) of the day, when known.</summary>
    public DateOnly? Date => Day.Date;

    /// <summary>Steps in the day (288).</summary>
    public int Steps => Day.Steps;

    public int HostCount { get; }

    public int VmCount { get; }

    /// <summary>0 = G4, 1 = G5.</summary>
    public int[] HostType { get; }

    public double[] HostCapacity { get; }

    public double[] HostPeMips { get; }

    public PowerModel[] HostPower { get; }

    /// <summary>Most VMs a host can carry by bandwidth (1 Gbit/s / 100 Mbit/s = 10; unlimited when VMs reserve none).</summary>
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

    /// <summary>The utilisation of <paramref name="vm"/> at <paramref name="step"/>, which must not be after the current step.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is in the future (the oracle reads the future through <see cref="FutureDemand"/>).</exception>
    public double Util(int vm, int step)
    {
        if (step > Step)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"Step {step} is after the current step {Step}: a policy sees the past and the present only.");
        }

        return Day.Util[vm][step];
    }

    /// <summary>The trace of <paramref name="vm"/> from step 0 to the current step included (empty before the first step).</summary>
    public ReadOnlySpan<double> PastUtil(int vm) => Day.Util[vm].AsSpan(0, Step + 1);

    /// <summary>Host utilisation (allocated / capacity) at the current step before decisions.</summary>
    public double HostUtilisation(int host) => HostAllocatedMips[host] / HostCapacity[host];

    /// <summary>
    /// Whether <paramref name="host"/> has room for <paramref name="vm"/> now: its RAM fits in what the host has free
    /// and the host has a bandwidth slot left. The rule the initial placement always follows, and every move when
    /// <see cref="ConsolidationSetup.EnforceMemory"/> is on.
    /// </summary>
    public bool HasRoom(int vm, int host) =>
        HostRamUsed[host] + VmRam[vm] <= Setup.HostRamMb + 1e-9 && HostVms[host].Count < HostVmSlots;

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
