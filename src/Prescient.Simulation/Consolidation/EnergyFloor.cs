using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Consolidation;

/// <summary>
/// The physical limit of a fleet-day: per step, the least power that serves the step's whole CPU demand (and, when
/// memory is enforced, holds the memory of every VM using CPU) on the fleet's hosts, with no migration cost and with
/// demand and memory divisible at will between hosts. Hosts are on or off (0 W, as in the simulator); a powered host
/// draws its SPECpower table's lower convex envelope, which is never above the table (at most 3 % below it for the
/// G4 and G5 tables) and makes the minimum exact to compute: every policy's energy that serves all demand is at least
/// the floor. Per step it tries every count of hosts of the most efficient type (the least watts per MIPS at full
/// load: G5) with the fewest hosts of the other types that the demand and the memory need, and fills the powered hosts'
/// envelope segments cheapest first.
/// </summary>
public sealed class EnergyFloor
{
    private readonly HostType[] _types;
    private readonly (int Type, double WidthMips, double WattsPerMips)[] _segments;
    private readonly double _ramMb;
    private readonly bool _memory;
    private readonly int[] _counts;
    private readonly int _hostCount;
    private readonly double _capacityMips;
    private readonly double _largestMips;

    public EnergyFloor(FleetState fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var groups = new List<HostType>();
        for (var h = 0; h < fleet.HostCount; h++)
        {
            var index = groups.FindIndex(t => t.Power == fleet.HostPower[h] && t.CapacityMips == fleet.HostCapacity[h]);
            if (index < 0)
            {
                groups.Add(new HostType(fleet.HostPower[h], fleet.HostCapacity[h], 1));
            }
            else
            {
                groups[index] = groups[index] with { Count = groups[index].Count + 1 };
            }
        }

        _types = [.. groups.OrderBy(t => t.Power.WattsAtLoad[^1] / t.CapacityMips)];
        _segments = [.. _types.SelectMany((t, i) => Envelope(t.Power, t.CapacityMips).Select(s => (i, s.WidthMips, s.WattsPerMips))).OrderBy(s => s.WattsPerMips)];
        _ramMb = fleet.Setup.HostRamMb;
        _memory = fleet.Setup.EnforceMemory;
        _counts = new int[_types.Length];
        _hostCount = fleet.HostCount;
        _capacityMips = _types.Sum(t => t.Count * t.CapacityMips);
        _largestMips = _types.Max(t => t.CapacityMips);
    }

    private sealed record HostType(PowerModel Power, double CapacityMips, int Count);

    /// <summary>
    /// The least power (W) that serves <paramref name="demandMips"/> and, when memory is enforced, holds
    /// <paramref name="activeRamMb"/> (the memory of the VMs using CPU) on powered hosts. Demand above the fleet's
    /// capacity is served up to the capacity.
    /// </summary>
    public double Watts(double demandMips, double activeRamMb)
    {
        var demand = Math.Clamp(demandMips, 0, _capacityMips);
        var memoryHosts = _memory && activeRamMb > 0 ? (int)Math.Ceiling((activeRamMb / _ramMb) - 1e-9) : 0;
        if (demand <= 0 && memoryHosts == 0)
        {
            return 0;
        }

        var best = double.PositiveInfinity;
        for (var first = 0; first <= _types[0].Count; first++)
        {
            _counts[0] = first;
            var carried = first * _types[0].CapacityMips;
            var hosts = first;
            for (var t = 1; t < _types.Length; t++)
            {
                var byCpu = demand > carried ? (int)Math.Ceiling(((demand - carried) / _types[t].CapacityMips) - 1e-9) : 0;
                var need = Math.Max(byCpu, memoryHosts - hosts);
                _counts[t] = Math.Clamp(need, 0, _types[t].Count);
                carried += _counts[t] * _types[t].CapacityMips;
                hosts += _counts[t];
            }

            if (carried >= demand - 1e-6 && hosts >= Math.Min(memoryHosts, _hostCount))
            {
                best = Math.Min(best, Cost(demand));
            }
        }

        return best;
    }

    /// <summary>The floor of a whole fleet-day in kWh: <see cref="Watts"/> of each step's demand for the step's length.</summary>
    public static double KWh(ConsolidationSetup setup, PlanetLabDay day)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(day);
        var fleet = new FleetState(setup, day);
        var floor = new EnergyFloor(fleet);
        var joules = 0.0;
        for (var k = 0; k < day.Steps; k++)
        {
            fleet.RefreshDemand(k);
            joules += floor.StepWatts(fleet) * setup.StepSeconds;
        }

        return joules / 3.6e6;
    }

    /// <summary>
    /// Whether memory bound the last <see cref="StepWatts"/> step: the memory of the VMs using CPU needed more hosts
    /// than their CPU on the largest hosts (always false when memory is not enforced).
    /// </summary>
    public bool LastStepMemoryBound { get; private set; }

    /// <summary><see cref="Watts"/> of the fleet's current step: every VM's demand; the memory of the VMs with demand.</summary>
    public double StepWatts(FleetState fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        double demand = 0, ram = 0;
        for (var v = 0; v < fleet.VmCount; v++)
        {
            var d = fleet.Demand[v];
            if (d > 0)
            {
                demand += d;
                ram += fleet.VmRam[v];
            }
        }

        LastStepMemoryBound = _memory && Math.Ceiling((ram / _ramMb) - 1e-9) > Math.Ceiling((demand / _largestMips) - 1e-9);
        return Watts(demand, ram);
    }

    /// <summary>Idle draw of the powered hosts plus their envelope segments filled cheapest first.</summary>
    private double Cost(double demand)
    {
        var watts = 0.0;
        for (var t = 0; t < _types.Length; t++)
        {
            watts += _counts[t] * _types[t].Power.WattsAtLoad[0];
        }

        var left = demand;
        foreach (var (type, width, slope) in _segments)
        {
            if (left <= 0)
            {
                break;
            }

            var take = Math.Min(left, width * _counts[type]);
            watts += take * slope;
            left -= take;
        }

        return watts;
    }

    /// <summary>The lower convex envelope of a powered host's draw against load in MIPS, as segments from 0 to full load.</summary>
    internal static List<(double WidthMips, double WattsPerMips)> Envelope(PowerModel power, double capacityMips)
    {
        var points = power.WattsAtLoad.Select((w, i) => (X: capacityMips * i / 10.0, Y: w)).ToList();
        var hull = new List<(double X, double Y)>();
        foreach (var p in points)
        {
            // Lower hull: drop the last point while it lies on or above the line from the one before it to p.
            while (hull.Count >= 2)
            {
                var (ax, ay) = hull[^2];
                var (bx, by) = hull[^1];
                if (((bx - ax) * (p.Y - ay)) - ((by - ay) * (p.X - ax)) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }
                else
                {
                    break;
                }
            }

            hull.Add(p);
        }

        var segments = new List<(double, double)>();
        for (var i = 1; i < hull.Count; i++)
        {
            segments.Add((hull[i].X - hull[i - 1].X, (hull[i].Y - hull[i - 1].Y) / (hull[i].X - hull[i - 1].X)));
        }

        return segments;
    }
}
