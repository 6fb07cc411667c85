namespace Prescient.Simulation.Consolidation;

/// <summary>Placement: CloudSim's initial placement and the power-aware best fit used by every step of a decision.</summary>
public abstract partial class PowerAwarePolicy
{
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
}
