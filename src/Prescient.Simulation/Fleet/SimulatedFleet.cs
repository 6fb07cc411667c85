using Prescient.Core.Migration;

namespace Prescient.Simulation.Fleet;

/// <summary>State of a migration in the fleet model.</summary>
public enum MigrationStatus
{
    Queued,
    Running,
    Completed,
    Aborted,
}

/// <summary>One VM migration: queued behind others from the same source, then running for its estimated duration.</summary>
public sealed class SimMigration
{
    internal SimMigration(int number, string vmId, string source, string destination, DateTimeOffset requested, MigrationEstimate estimate, string reason)
    {
        Number = number;
        VmId = vmId;
        Source = source;
        Destination = destination;
        Requested = requested;
        Estimate = estimate;
        Reason = reason;
    }

    public int Number { get; }

    public string VmId { get; }

    public string Source { get; }

    public string Destination { get; }

    public DateTimeOffset Requested { get; }

    public MigrationEstimate Estimate { get; }

    public string Reason { get; }

    public MigrationStatus Status { get; internal set; } = MigrationStatus.Queued;

    public DateTimeOffset? Started { get; internal set; }

    public DateTimeOffset? Finished { get; internal set; }

    public bool IsActive => Status is MigrationStatus.Queued or MigrationStatus.Running;
}

/// <summary>A host in the fleet model with its running totals.</summary>
public sealed class SimHost
{
    private readonly HashSet<string> _vms = new(StringComparer.Ordinal);

    internal SimHost(HostSpec spec) => Spec = spec;

    public HostSpec Spec { get; }

    public string Id => Spec.Id;

    public PowerState PowerState { get; internal set; } = PowerState.On;

    /// <summary>When a waking host is on.</summary>
    public DateTimeOffset? AwakeAt { get; internal set; }

    public IReadOnlyCollection<string> Vms => _vms;

    internal HashSet<string> VmSet => _vms;

    public double EnergyJoules { get; internal set; }

    public TimeSpan TimeReduced { get; internal set; }

    /// <summary>Time the host's demand (with migration overheads) was at or above its capacity.</summary>
    public TimeSpan TimeSaturated { get; internal set; }

    public TimeSpan TimeActive { get; internal set; }

    /// <summary>Demand the host could not serve because it was saturated (core-seconds).</summary>
    public double UnservedCoreSeconds { get; internal set; }

    public int PowerDowns { get; internal set; }

    public int Wakes { get; internal set; }
}

/// <summary>A power-state change or migration event, for reports.</summary>
public sealed record FleetEvent(DateTimeOffset Time, string HostId, string Kind, string Detail);

/// <summary>
/// The simulated fleet: hosts, VMs and their placement, migrations with their pre-copy cost (duration, CPU overhead
/// on source and destination, VM degradation) and host power states with a wake delay. Time only moves through
/// <see cref="Advance"/>, as fast as the CPU allows.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly Dictionary<string, SimHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmSpec> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _placement = new(StringComparer.Ordinal);
    private readonly List<SimMigration> _migrations = [];
    private readonly List<FleetEvent> _events = [];

    public SimulatedFleet(IEnumerable<HostSpec> hosts, IEnumerable<(VmSpec Vm, string HostId)> placement, MigrationCostSettings migration, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(migration);
        migration.Validate();
        Migration = migration;
        Now = start;
        foreach (var h in hosts)
        {
            h.Validate();
            if (!_hosts.TryAdd(h.Id, new SimHost(h)))
            {
                throw new ArgumentException($"Host '{h.Id}' is listed twice.", nameof(hosts));
            }
        }

        foreach (var (vm, hostId) in placement)
        {
            vm.Validate();
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                throw new ArgumentException($"VM '{vm.Id}' is placed on unknown host '{hostId}'.", nameof(placement));
            }

            if (!_vms.TryAdd(vm.Id, vm))
            {
                throw new ArgumentException($"VM '{vm.Id}' is listed twice.", nameof(placement));
            }

            _placement[vm.Id] = hostId;
            host.VmSet.Add(vm.Id);
            if (MemoryUsedMb(hostId) > host.Spec.MemoryMb)
            {
                throw new ArgumentException($"Host '{hostId}' has {host.Spec.MemoryMb} MB but its VMs need {MemoryUsedMb(hostId)} MB.", nameof(placement));
            }
        }
    }

    public MigrationCostSettings Migration { get; }

    public DateTimeOffset Now { get; private set; }

    public IReadOnlyCollection<SimHost> Hosts => _hosts.Values;

    public IReadOnlyCollection<VmSpec> Vms => _vms.Values;

    public IReadOnlyList<SimMigration> Migrations => _migrations;

    public IReadOnlyList<FleetEvent> Events => _events;

    /// <summary>Core-seconds the VMs asked for, and the share lost to migration degradation.</summary>
    public double DemandCoreSeconds { get; private set; }

    public double DegradedCoreSeconds { get; private set; }

    public SimHost Host(string hostId) =>
        _hosts.TryGetValue(hostId, out var h) ? h : throw new KeyNotFoundException($"Unknown host '{hostId}'.");

    public VmSpec Vm(string vmId) =>
        _vms.TryGetValue(vmId, out var v) ? v : throw new KeyNotFoundException($"Unknown VM '{vmId}'.");

    public string HostOf(string vmId) =>
        _placement.TryGetValue(vmId, out var h) ? h : throw new KeyNotFoundException($"Unknown VM '{vmId}'.");

    public bool IsMigrating(string vmId) => _migrations.Any(m => m.IsActive && m.VmId == vmId);

    public bool HasActiveMigrations(string hostId) =>
        _migrations.Any(m => m.IsActive && (m.Source == hostId || m.Destination == hostId));

    /// <summary>Memory of the VMs on the host plus memory reserved for VMs on their way in.</summary>
    public double MemoryUsedMb(string hostId) =>
        Host(hostId).VmSet.Sum(v => _vms[v].MemoryMb)
        + _migrations.Where(m => m.IsActive && m.Destination == hostId).Sum(m => _vms[m.VmId].MemoryMb);

    /// <summary>CPU demand of the host's VMs at <see cref="Now"/>, in cores (without migration overheads).</summary>
    public double DemandCores(string hostId) => Host(hostId).VmSet.Sum(v => _vms[v].DemandCores.ValueAt(Now));

    /// <summary>Cores used by running migrations on this host (as source or destination).</summary>
    public double OverheadCores(string hostId) =>
        _migrations.Where(m => m.Status == MigrationStatus.Running)
            .Sum(m => (m.Source == hostId ? Migration.SourceCpuCores : 0) + (m.Destination == hostId ? Migration.DestinationCpuCores : 0));

    /// <summary>Utilisation in [0, 1] at <see cref="Now"/>, migration overheads included.</summary>
    public double Utilisation(string hostId)
    {
        var h = Host(hostId);
        return h.PowerState == PowerState.On ? Math.Min(1, (DemandCores(hostId) + OverheadCores(hostId)) / h.Spec.CpuCores) : 0;
    }

    /// <summary>
    /// Queues a live migration of <paramref name="vmId"/> to <paramref name="destination"/>. Migrations from one source run
    /// one after another; a migration to a waking host starts when it is on. Refused (nothing changes) when the VM is
    /// already moving, the destination is the source or is powered down, or its memory would be overcommitted.
    /// </summary>
    public SimMigration Migrate(string vmId, string destination, string reason)
    {
        var vm = Vm(vmId);
        var source = HostOf(vmId);
        var dest = Host(destination);
        if (source == destination)
        {
            throw new InvalidOperationException($"VM '{vmId}' is already on '{destination}'.");
        }

        if (IsMigrating(vmId))
        {
            throw new InvalidOperationException($"VM '{vmId}' is already being migrated.");
        }

        if (dest.PowerState == PowerState.Reduced)
        {
            throw new InvalidOperationException($"Host '{destination}' is in reduced power; wake it first.");
        }

        if (MemoryUsedMb(destination) + vm.MemoryMb > dest.Spec.MemoryMb)
        {
            throw new InvalidOperationException(
                $"Host '{destination}' has {dest.Spec.MemoryMb - MemoryUsedMb(destination):F0} MB free; VM '{vmId}' needs {vm.MemoryMb:F0} MB.");
        }

        var m = new SimMigration(_migrations.Count + 1, vmId, source, destination, Now, MigrationCostModel.Estimate(vm.MemoryMb, vm.DirtyRateMBps, Migration), reason);
        _migrations.Add(m);
        StartQueued();
        return m;
    }

    /// <summary>Puts an empty, idle host into reduced power.</summary>
    public void PowerDown(string hostId)
    {
        var h = Host(hostId);
        if (h.PowerState != PowerState.On)
        {
            throw new InvalidOperationException($"Host '{hostId}' is not on ({h.PowerState}).");
        }

        if (h.VmSet.Count > 0 || HasActiveMigrations(hostId))
        {
            throw new InvalidOperationException($"Host '{hostId}' still has {h.VmSet.Count} VM(s) or migrations in flight.");
        }

        h.PowerState = PowerState.Reduced;
        h.PowerDowns++;
        _events.Add(new FleetEvent(Now, hostId, "power-down", "reduced power"));
    }

    /// <summary>Starts waking a host in reduced power; it is on after its wake delay.</summary>
    public void Wake(string hostId)
    {
        var h = Host(hostId);
        if (h.PowerState != PowerState.Reduced)
        {
            return;
        }

        h.PowerState = PowerState.Waking;
        h.AwakeAt = Now + h.Spec.WakeDelay;
        h.Wakes++;
        _events.Add(new FleetEvent(Now, hostId, "wake", $"on at {h.AwakeAt:HH:mm:ss}"));
        if (h.Spec.WakeDelay == TimeSpan.Zero)
        {
            FinishWaking();
        }
    }

    /// <summary>
    /// Moves time forward by <paramref name="step"/>: energy, overheads, degradation and saturation are integrated, and
    /// migrations and wake-ups that end inside the step take effect at their exact time. Returns each host's mean
    /// utilisation over the step.
    /// </summary>
    public IReadOnlyDictionary<string, double> Advance(TimeSpan step)
    {
        if (step <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be positive.");
        }

        var end = Now + step;
        var sums = _hosts.Keys.ToDictionary(k => k, _ => 0.0, StringComparer.Ordinal);
        while (Now < end)
        {
            StartQueued();
            var next = end;
            foreach (var m in _migrations)
            {
                if (m.Status == MigrationStatus.Running && m.Finished is { } f && f < next)
                {
                    next = f;
                }
            }

            foreach (var h in _hosts.Values)
            {
                if (h.PowerState == PowerState.Waking && h.AwakeAt is { } a && a < next)
                {
                    next = a;
                }
            }

            if (next <= Now)
            {
                next = Now + TimeSpan.FromTicks(1);
            }

            Integrate(next - Now, sums);
            Now = next;
            FinishMigrations();
            FinishWaking();
        }

        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / step.TotalSeconds, StringComparer.Ordinal);
    }

    private void Integrate(TimeSpan span, Dictionary<string, double> utilisationSeconds)
    {
        var seconds = span.TotalSeconds;
        foreach (var h in _hosts.Values)
        {
            var demand = DemandCores(h.Id);
            foreach (var vmId in h.VmSet)
            {
                var d = _vms[vmId].DemandCores.ValueAt(Now);
                DemandCoreSeconds += d * seconds;
                if (_migrations.Any(m => m.Status == MigrationStatus.Running && m.VmId == vmId))
                {
                    DegradedCoreSeconds += Migration.VmDegradation * d * seconds;
                }
            }

            switch (h.PowerState)
            {
                case PowerState.Reduced:
                    h.EnergyJoules += h.Spec.Power.ReducedWatts * seconds;
                    h.TimeReduced += span;
                    break;
                case PowerState.Waking:
                    h.EnergyJoules += h.Spec.Power.WakingWatts * seconds;
                    h.TimeActive += span;
                    break;
                default:
                    var load = demand + OverheadCores(h.Id);
                    var u = Math.Min(1, load / h.Spec.CpuCores);
                    utilisationSeconds[h.Id] += u * seconds;
                    h.EnergyJoules += h.Spec.Power.WattsAt(u) * seconds;
                    h.TimeActive += span;
                    if (load >= h.Spec.CpuCores)
                    {
                        h.TimeSaturated += span;
                        h.UnservedCoreSeconds += (load - h.Spec.CpuCores) * seconds;
                    }

                    break;
            }
        }
    }

    private void StartQueued()
    {
        foreach (var m in _migrations)
        {
            if (m.Status != MigrationStatus.Queued
                || _hosts[m.Destination].PowerState != PowerState.On
                || _migrations.Any(o => o.Status == MigrationStatus.Running && o.Source == m.Source))
            {
                continue;
            }

            m.Status = MigrationStatus.Running;
            m.Started = Now;
            m.Finished = Now + m.Estimate.Total;
            _events.Add(new FleetEvent(Now, m.Source, "migration-start", $"{m.VmId} -> {m.Destination} ({m.Estimate.Total.TotalSeconds:F0} s, {m.Estimate.Rounds.Count} pre-copy rounds)"));
        }
    }

    private void FinishMigrations()
    {
        foreach (var m in _migrations)
        {
            if (m.Status != MigrationStatus.Running || m.Finished > Now)
            {
                continue;
            }

            if (m.Estimate.Aborted)
            {
                m.Status = MigrationStatus.Aborted;
                _events.Add(new FleetEvent(Now, m.Source, "migration-aborted", $"{m.VmId}: {m.Estimate.Outcome}"));
                continue;
            }

            _hosts[m.Source].VmSet.Remove(m.VmId);
            _hosts[m.Destination].VmSet.Add(m.VmId);
            _placement[m.VmId] = m.Destination;
            m.Status = MigrationStatus.Completed;
            _events.Add(new FleetEvent(Now, m.Source, "migration-done", $"{m.VmId} -> {m.Destination} (paused {m.Estimate.Downtime.TotalMilliseconds:F0} ms)"));
        }
    }

    private void FinishWaking()
    {
        foreach (var h in _hosts.Values)
        {
            if (h.PowerState == PowerState.Waking && h.AwakeAt <= Now)
            {
                h.PowerState = PowerState.On;
                h.AwakeAt = null;
                _events.Add(new FleetEvent(Now, h.Id, "awake", "on"));
            }
        }
    }
}
