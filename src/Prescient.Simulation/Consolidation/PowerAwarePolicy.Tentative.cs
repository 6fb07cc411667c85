namespace Prescient.Simulation.Consolidation;

/// <summary>The round's tentative state: per-host requested and allocated MIPS, RAM, VM lists and utilisation histories.</summary>
public abstract partial class PowerAwarePolicy
{
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
}
