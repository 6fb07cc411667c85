using System.Globalization;

namespace Prescient.Simulation.Consolidation;

/// <summary>
/// The CCPE-2012 algorithm as CloudSim 3.0.3 runs it, with the overload test left to subclasses:
/// 1. overloaded hosts give up VMs by minimum migration time (smallest RAM first, ties by arrival order) until the
///    host is no longer overloaded; 2. those VMs, by decreasing CPU demand, go to the host whose power rises least
///    (power-aware best fit decreasing; switched-off hosts may be woken; a non-empty host must not become overloaded;
///    overloaded hosts excluded); 3. underload rule: repeatedly take the least-utilised powered host not yet
///    considered and try to move all its VMs to other powered hosts (not overloaded, not switched off, not already
///    considered); if one VM finds no host the whole evacuation is cancelled. Hosts that received a VM in steps 2 or 3
///    are not evacuated in the same round.
/// </summary>
public abstract class PowerAwarePolicy : IConsolidationPolicy
{
    private const int HistoryLength = 30;

    private double[] _alloc = [];
    private double[] _req = [];
    private double[] _ram = [];
    private List<int>[] _vms = [];
    private double[][] _hist = [];
    private double[] _basePower = [];
    private bool[] _overloaded = [];
    private bool[] _exclPlace = [];
    private bool[] _exclUnder = [];
    private readonly double[] _scratch = new double[HistoryLength];
    private readonly List<int> _toMigrate = new(64);
    private readonly List<(int Vm, int Host)> _placed = new(16);
    private int _histLen;

    protected FleetState Fleet { get; private set; } = null!;

    /// <summary>Diagnostics: moves decided for overloaded hosts, moves decided by the underload rule, evacuations tried.</summary>
    public (int Overload, int Underload, int Attempts, int Evacuated) Counters => (_nOver, _nUnder, _nAttempts, _nEvac);

    private int _nOver, _nUnder, _nAttempts, _nEvac;

    public abstract string Name { get; }

    public abstract string Settings { get; }

    /// <summary>The CloudSim algorithm implements the receiver-evacuation switch (<see cref="ConsolidationSetup.EvacuateReceivers"/>).</summary>
    public PolicySwitches Honours => PolicySwitches.EvacuateReceivers;

    /// <summary>
    /// Requested-utilisation threshold for the initial placement. In CloudSim 3.0.3 VMs already created request 0 MIPS
    /// until their cloudlets arrive, so its overload test never rejects a host at the start: only capacity (full VM
    /// MIPS), memory and bandwidth limit the initial placement, hence 1.0.
    /// </summary>
    protected virtual double InitialThreshold => 1.0;

    /// <summary>Whether to run the underload rule.</summary>
    protected virtual bool Consolidate => true;

    /// <summary>Whether <paramref name="host"/> (tentative state, plus <paramref name="extraVm"/> when &gt;= 0) is overloaded.</summary>
    protected abstract bool IsOverloaded(int host, int extraVm);

    /// <summary>The tentative requested MIPS of a host in this round.</summary>
    protected double RequestedMips(int host) => _req[host];

    /// <summary>The tentative VMs of a host in this round.</summary>
    protected List<int> TentativeVms(int host) => _vms[host];

    /// <summary>The host's utilisation history (most recent first), plus <paramref name="extraVm"/>'s, zero tail trimmed.</summary>
    protected ReadOnlySpan<double> History(int host, int extraVm)
    {
        var len = _histLen;
        var h = _hist[host];
        var step = Fleet.Step;
        var past = extraVm >= 0 ? Fleet.PastUtil(extraVm) : [];
        var last = -1;
        for (var j = 0; j < len; j++)
        {
            var x = h[j];
            if (extraVm >= 0)
            {
                x += past[step - j] * Fleet.VmMips[extraVm] / Fleet.HostCapacity[host];
            }

            _scratch[j] = x;
            if (x > 1e-12)
            {
                last = j;
            }
        }

        return _scratch.AsSpan(0, last + 1);
    }

    public void PlaceInitially(FleetState fleet, IPlacementSink sink)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        Init(fleet);
        PlaceInitially(fleet, sink, InitialThreshold);
    }

    /// <summary>
    /// CloudSim's start: VMs in index order (types in decreasing size), each requesting its full MIPS, power-aware
    /// best fit under capacity, memory, bandwidth and <paramref name="threshold"/> for non-empty hosts. VMs already
    /// placed stay where they are and count in their hosts' load.
    /// </summary>
    /// <exception cref="InvalidOperationException">No host can take a VM: the fleet is too small for the day's VMs.</exception>
    public static void PlaceInitially(FleetState fleet, IPlacementSink sink, double threshold)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(sink);
        var used = new double[fleet.HostCount];
        for (var v = 0; v < fleet.VmCount; v++)
        {
            if (fleet.VmHost[v] >= 0)
            {
                used[fleet.VmHost[v]] += fleet.VmMips[v];
            }
        }

        for (var v = 0; v < fleet.VmCount; v++)
        {
            if (fleet.VmHost[v] >= 0)
            {
                continue;
            }

            // At creation CloudSim's VMs request their full MIPS.
            var mips = fleet.VmMips[v];
            var best = -1;
            var min = double.MaxValue;
            for (var x = 0; x < fleet.HostCount; x++)
            {
                if (mips > fleet.HostPeMips[x] || used[x] + mips > fleet.HostCapacity[x] || !fleet.HasRoom(v, x))
                {
                    continue;
                }

                if (used[x] > 0 && (used[x] + mips) / fleet.HostCapacity[x] > threshold)
                {
                    continue;
                }

                var power = fleet.HostPower[x];
                var diff = power.WattsAt((used[x] + mips) / fleet.HostCapacity[x]) - power.WattsAt(used[x] / fleet.HostCapacity[x]);
                if (diff < min)
                {
                    min = diff;
                    best = x;
                }
            }

            if (best >= 0)
            {
                sink.Place(v, best);
            }

            if (best < 0 || fleet.VmHost[v] != best)
            {
                throw new InvalidOperationException($"No host can take VM {v} at the start: the fleet is too small for the day's {fleet.VmCount} VMs ({fleet.HostCount} hosts).");
            }

            used[best] += mips;
        }
    }

    private void Init(FleetState fleet)
    {
        if (ReferenceEquals(Fleet, fleet))
        {
            return;
        }

        Fleet = fleet;
        var n = fleet.HostCount;
        _alloc = new double[n];
        _req = new double[n];
        _ram = new double[n];
        _vms = new List<int>[n];
        _hist = new double[n][];
        _basePower = new double[n];
        _overloaded = new bool[n];
        _exclPlace = new bool[n];
        _exclUnder = new bool[n];
        for (var h = 0; h < n; h++)
        {
            _vms[h] = new List<int>(12);
            _hist[h] = new double[HistoryLength];
        }
    }

    public void Decide(FleetState fleet, List<MigrationOrder> plan)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(plan);
        Init(fleet);
        var n = fleet.HostCount;
        var step = fleet.Step;
        _histLen = Math.Min(step + 1, HistoryLength);
        BeforeDecide();
        for (var h = 0; h < n; h++)
        {
            var list = _vms[h];
            list.Clear();
            list.AddRange(fleet.HostVms[h]);
            _alloc[h] = 0;
            _req[h] = 0;
            _ram[h] = fleet.HostRamUsed[h];
            var hist = _hist[h];
            Array.Clear(hist);
            var pe = fleet.HostPeMips[h];
            var cap = fleet.HostCapacity[h];
            for (var i = 0; i < list.Count; i++)
            {
                var v = list[i];
                var d = fleet.Demand[v];
                _req[h] += d;
                _alloc[h] += d > pe ? pe : d;
                var row = fleet.PastUtil(v);
                var scale = fleet.VmMips[v] / cap;
                for (var j = 0; j < _histLen; j++)
                {
                    hist[j] += row[step - j] * scale;
                }
            }

            _basePower[h] = fleet.HostPower[h].WattsAt(fleet.HostUtilisation(h));
            _overloaded[h] = false;
            _exclPlace[h] = false;
            _exclUnder[h] = false;
        }

        // 1. Overloaded hosts and the VMs they give up.
        _toMigrate.Clear();
        for (var h = 0; h < n; h++)
        {
            if (_vms[h].Count > 0 && IsOverloaded(h, -1))
            {
                _overloaded[h] = true;
                _exclPlace[h] = true;
                _exclUnder[h] = true;
            }
        }

        for (var h = 0; h < n; h++)
        {
            if (!_overloaded[h])
            {
                continue;
            }

            while (_vms[h].Count > 0)
            {
                var vm = SelectVmToMigrate(h);
                if (vm < 0)
                {
                    break;
                }

                Remove(vm, h);
                _toMigrate.Add(vm);
                if (!IsOverloaded(h, -1))
                {
                    break;
                }
            }
        }

        // 2. Place them, largest demand first (stable).
        SortByDemandDescending(_toMigrate);
        foreach (var vm in _toMigrate)
        {
            var dst = FindHost(vm, _exclPlace);
            if (dst >= 0)
            {
                Add(vm, dst);
                if (!fleet.Setup.EvacuateReceivers)
                {
                    _exclUnder[dst] = true;
                }

                plan.Add(new MigrationOrder(vm, dst));
                _nOver++;
            }
        }

        if (!Consolidate)
        {
            return;
        }

        // 3. Underload rule.
        for (var h = 0; h < n; h++)
        {
            if (fleet.HostUtilisation(h) <= 0)
            {
                _exclPlace[h] = true;
                _exclUnder[h] = true;
            }
        }

        while (true)
        {
            var under = -1;
            var min = 1.0;
            for (var h = 0; h < n; h++)
            {
                if (_exclUnder[h])
                {
                    continue;
                }

                var u = fleet.HostUtilisation(h);
                if (u > 0 && u < min)
                {
                    min = u;
                    under = h;
                }
            }

            if (under < 0)
            {
                break;
            }

            _exclUnder[under] = true;
            _exclPlace[under] = true;
            if (_vms[under].Count == 0 || !MayEvacuate(under))
            {
                continue;
            }

            _nAttempts++;
            _toMigrate.Clear();
            _toMigrate.AddRange(_vms[under]);
            SortByDemandDescending(_toMigrate);
            _placed.Clear();
            var ok = true;
            foreach (var vm in _toMigrate)
            {
                var dst = FindHost(vm, _exclPlace);
                if (dst < 0)
                {
                    ok = false;
                    break;
                }

                Add(vm, dst);
                _placed.Add((vm, dst));
            }

            if (!ok)
            {
                foreach (var (vm, dst) in _placed)
                {
                    RemoveFromList(vm, dst);
                }

                continue;
            }

            _nEvac++;
            foreach (var (vm, dst) in _placed)
            {
                _exclUnder[dst] = true;
                plan.Add(new MigrationOrder(vm, dst));
                _nUnder++;
            }
        }
    }

    /// <summary>Called at the start of each decision, after the fleet's demand is refreshed.</summary>
    protected virtual void BeforeDecide()
    {
    }

    /// <summary>Whether the underload rule may try to empty this host (default: always).</summary>
    protected virtual bool MayEvacuate(int host) => true;

    /// <summary>Minimum migration time: the VM with the least RAM (first in arrival order on ties).</summary>
    protected virtual int SelectVmToMigrate(int host)
    {
        var list = _vms[host];
        var best = -1;
        var min = double.MaxValue;
        for (var i = 0; i < list.Count; i++)
        {
            var ram = Fleet.VmRam[list[i]];
            if (ram < min)
            {
                min = ram;
                best = list[i];
            }
        }

        return best;
    }

    /// <summary>Power-aware best fit; -1 when no host fits.</summary>
    protected int FindHost(int vm, bool[] excluded)
    {
        var fleet = Fleet;
        var d = fleet.Demand[vm];
        var ram = fleet.VmRam[vm];
        var best = -1;
        var min = double.MaxValue;
        var enforceMemory = fleet.Setup.EnforceMemory;
        var seenEmptyG4 = false;
        var seenEmptyG5 = false;
        for (var h = 0; h < fleet.HostCount; h++)
        {
            if (excluded[h])
            {
                continue;
            }

            var count = _vms[h].Count;
            if (count == 0)
            {
                // Every empty host of a type gives the same power rise: only the first can win (strict <).
                if (fleet.HostType[h] == 0)
                {
                    if (seenEmptyG4)
                    {
                        continue;
                    }

                    seenEmptyG4 = true;
                }
                else
                {
                    if (seenEmptyG5)
                    {
                        continue;
                    }

                    seenEmptyG5 = true;
                }
            }

            var cap = fleet.HostCapacity[h];
            if (d > fleet.HostPeMips[h] || cap - _alloc[h] < d ||
                (enforceMemory && (count >= fleet.HostVmSlots || _ram[h] + ram > fleet.Setup.HostRamMb + 1e-9)))
            {
                continue;
            }

            if (_alloc[h] != 0 && IsOverloaded(h, vm))
            {
                continue;
            }

            var diff = fleet.HostPower[h].WattsAt((_alloc[h] + d) / cap) - _basePower[h];
            if (diff < min)
            {
                min = diff;
                best = h;
            }
        }

        return best;
    }

    private void SortByDemandDescending(List<int> vms)
    {
        // Insertion sort: stable, and the lists are short.
        var demand = Fleet.Demand;
        for (var i = 1; i < vms.Count; i++)
        {
            var x = vms[i];
            var j = i - 1;
            while (j >= 0 && demand[vms[j]] < demand[x])
            {
                vms[j + 1] = vms[j];
                j--;
            }

            vms[j + 1] = x;
        }
    }

    private void Add(int vm, int host)
    {
        var fleet = Fleet;
        var d = fleet.Demand[vm];
        var pe = fleet.HostPeMips[host];
        _vms[host].Add(vm);
        _req[host] += d;
        _alloc[host] += d > pe ? pe : d;
        _ram[host] += fleet.VmRam[vm];
        var row = fleet.PastUtil(vm);
        var scale = fleet.VmMips[vm] / fleet.HostCapacity[host];
        var hist = _hist[host];
        var step = fleet.Step;
        for (var j = 0; j < _histLen; j++)
        {
            hist[j] += row[step - j] * scale;
        }
    }

    private void Remove(int vm, int host)
    {
        var fleet = Fleet;
        var d = fleet.Demand[vm];
        var pe = fleet.HostPeMips[host];
        _vms[host].Remove(vm);
        _req[host] -= d;
        _alloc[host] -= d > pe ? pe : d;
        _ram[host] -= fleet.VmRam[vm];
        var row = fleet.PastUtil(vm);
        var scale = fleet.VmMips[vm] / fleet.HostCapacity[host];
        var hist = _hist[host];
        var step = fleet.Step;
        for (var j = 0; j < _histLen; j++)
        {
            hist[j] -= row[step - j] * scale;
        }

        if (_vms[host].Count == 0)
        {
            _req[host] = 0;
            _alloc[host] = 0;
            Array.Clear(hist);
        }
    }

    private void RemoveFromList(int vm, int host) => Remove(vm, host);

    protected static string Format(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
}
