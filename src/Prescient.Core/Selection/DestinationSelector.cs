using Prescient.Core.Migration;
using System.Globalization;

namespace Prescient.Core.Selection;

/// <summary>Where a unit goes, or why it cannot go anywhere.</summary>
/// <param name="Unit">The unit.</param>
/// <param name="SourceHostId">Where it is.</param>
/// <param name="DestinationHostId">Where it goes; null when no host fits.</param>
/// <param name="WakesHost">Whether the destination is sleeping and must be woken first.</param>
/// <param name="DestinationPeakAfter">The destination's peak load (measured and predicted periods) with the arrivals, if placed.</param>
/// <param name="DestinationMemoryAfterMb">The destination's memory in use with the arrivals, if placed.</param>
/// <param name="Reason">The choice, in words.</param>
public sealed record Placement(
    MigrationUnit Unit,
    string SourceHostId,
    string? DestinationHostId,
    bool WakesHost,
    double? DestinationPeakAfter,
    double? DestinationMemoryAfterMb,
    string Reason)
{
    /// <summary>Whether a destination was found.</summary>
    public bool Placed => DestinationHostId is not null;
}

/// <summary>
/// Chooses destinations for one planning cycle. A candidate must be on (or, only when no running host fits,
/// sleeping), must not be the source or excluded, must keep its peak load over the measured and predicted periods
/// inside its own range with the arriving VMs, and must have the memory (never overcommitted). Among those, the best
/// fit: the host left fullest by its dominant resource (CPU peak relative to its high threshold, or memory). Each
/// placement is remembered, so later placements in the same cycle see the arrivals and departures (and a woken host
/// counts as on). Not thread-safe.
/// </summary>
public sealed class DestinationSelector
{
    private readonly Dictionary<string, HostSlot> _hosts = new(StringComparer.Ordinal);
    private readonly List<HostSlot> _ordered;
    private readonly HashSet<string> _excluded;

    /// <summary>Creates a selector over the fleet.</summary>
    /// <param name="hosts">Every host (sources included: their capacity converts VM shares).</param>
    /// <param name="excludedHostIds">Hosts that must not receive VMs (for example hosts being evacuated or overloaded).</param>
    public DestinationSelector(IEnumerable<HostView> hosts, IEnumerable<string>? excludedHostIds = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        foreach (var host in hosts)
        {
            if (!_hosts.TryAdd(host.HostId, new HostSlot(host)))
            {
                throw new ArgumentException($"Host '{host.HostId}' appears more than once.", nameof(hosts));
            }
        }

        _ordered = [.. _hosts.Values.OrderBy(h => h.View.HostId, StringComparer.Ordinal)];
        _excluded = new HashSet<string>(excludedHostIds ?? [], StringComparer.Ordinal);
    }

    /// <summary>Excludes a host from receiving VMs for the rest of the cycle.</summary>
    public void Exclude(string hostId) => _excluded.Add(hostId);

    /// <summary>Places <paramref name="unit"/>, leaving <paramref name="sourceHostId"/>; remembers the placement when one is found.</summary>
    /// <exception cref="ArgumentException">The source host is unknown.</exception>
    public Placement Place(MigrationUnit unit, string sourceHostId)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (!_hosts.TryGetValue(sourceHostId, out var source))
        {
            throw new ArgumentException($"The source host '{sourceHostId}' is not in the fleet.", nameof(sourceHostId));
        }

        var absoluteCpu = unit.Cpu * source.View.CpuCapacity;
        HostSlot? best = null;
        double bestScore = double.NegativeInfinity, bestPeak = 0, bestMemory = 0;
        var refusals = new List<string>();
        foreach (var wantSleeping in new[] { false, true })
        {
            foreach (var slot in _ordered)
            {
                var view = slot.View;
                if (view.HostId == sourceHostId || _excluded.Contains(view.HostId) || view.PowerState == PowerState.Unavailable ||
                    (slot.IsSleeping != wantSleeping))
                {
                    continue;
                }

                var peak = view.PeakLoad + slot.ExtraLoad + (absoluteCpu / view.CpuCapacity);
                var memory = view.UsedMemoryMb + slot.ExtraMemoryMb + unit.MemoryMb;
                if (memory > view.MemoryMb)
                {
                    refusals.Add(string.Create(CultureInfo.InvariantCulture, $"{view.HostId}: memory {memory:0} MB > {view.MemoryMb:0} MB"));
                    continue;
                }

                if (peak > view.Range.High)
                {
                    refusals.Add(string.Create(CultureInfo.InvariantCulture, $"{view.HostId}: peak {peak:0.###} > {view.Range.High:0.###}"));
                    continue;
                }

                var score = Math.Max(peak / view.Range.High, view.MemoryMb == 0 ? 1 : memory / view.MemoryMb);
                if (score > bestScore)
                {
                    (best, bestScore, bestPeak, bestMemory) = (slot, score, peak, memory);
                }
            }

            if (best is not null)
            {
                break;
            }
        }

        if (best is null)
        {
            var why = refusals.Count == 0 ? "no candidate host" : string.Join("; ", refusals.Take(5)) + (refusals.Count > 5 ? $"; and {refusals.Count - 5} more" : string.Empty);
            return new Placement(unit, sourceHostId, null, false, null, null, $"No host fits unit '{unit.Id}': {why}.");
        }

        var wakes = best.IsSleeping;
        best.ExtraLoad += absoluteCpu / best.View.CpuCapacity;
        best.ExtraMemoryMb += unit.MemoryMb;
        best.Woken |= wakes;
        source.ExtraLoad -= unit.Cpu;
        source.ExtraMemoryMb -= unit.MemoryMb;
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"Unit '{unit.Id}' to {best.View.HostId}{(wakes ? " (woken: no running host fits)" : string.Empty)}: " +
            $"peak {bestPeak:0.###} within {best.View.Range}, memory {bestMemory:0}/{best.View.MemoryMb:0} MB.");
        return new Placement(unit, sourceHostId, best.View.HostId, wakes, bestPeak, bestMemory, reason);
    }

    /// <summary>
    /// Undoes a placement returned by <see cref="Place"/> (for example when a whole evacuation cannot be placed).
    /// Undo placements in the reverse order they were made.
    /// </summary>
    public void Unplace(Placement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        if (placement.DestinationHostId is not { } destinationId)
        {
            return;
        }

        var source = _hosts[placement.SourceHostId];
        var destination = _hosts[destinationId];
        destination.ExtraLoad -= placement.Unit.Cpu * source.View.CpuCapacity / destination.View.CpuCapacity;
        destination.ExtraMemoryMb -= placement.Unit.MemoryMb;
        if (placement.WakesHost)
        {
            destination.Woken = false;
        }

        source.ExtraLoad += placement.Unit.Cpu;
        source.ExtraMemoryMb += placement.Unit.MemoryMb;
    }

    private sealed class HostSlot(HostView view)
    {
        public HostView View { get; } = view;

        public double ExtraLoad { get; set; }

        public double ExtraMemoryMb { get; set; }

        public bool Woken { get; set; }

        public bool IsSleeping => View.PowerState == PowerState.Reduced && !Woken;
    }
}
