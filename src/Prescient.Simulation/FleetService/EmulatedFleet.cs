using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>
/// The simulated fleet: hosts, VMs and migrations as the hypervisor contract sees them. Thread-safe (one lock).
/// Migrations progress by simulated time: a pre-copy round sends its data at the bandwidth the source and
/// destination share with the source's other running rounds, while the VM dirties pages at its dirty rate.
/// The atomic lock: each VM has one disk lock; only its holder may execute it; resume moves the lock to the
/// destination (resume-started) and from then on the source can no longer abort.
/// </summary>
public sealed partial class EmulatedFleet
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _simClock;
    private readonly TimeProvider _wallClock;
    private readonly FleetServiceOptions _options;
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmState> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MigrationState> _migrations = new(StringComparer.Ordinal);
    private int _lockRefusals;

    public EmulatedFleet(FleetServiceOptions options, TimeProvider simClock, TimeProvider wallClock)
    {
        _options = options;
        _simClock = simClock;
        _wallClock = wallClock;
    }

    public double Acceleration => _options.Acceleration;

    /// <summary>
    /// Called inside the fleet's lock, in order, each time a VM changes host (resume-started moves its disk lock) or a
    /// host's power state changes: what a host keeps on disk, for a caller that persists the fleet across restarts.
    /// </summary>
    public Action<FleetSnapshot>? PlacementChanged { get; set; }

    public void AddHost(SimHostSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            if (!_hosts.TryAdd(spec.HostId, new HostState(spec)))
            {
                throw new ArgumentException($"Host {spec.HostId} already exists.", nameof(spec));
            }
        }
    }

    public void AddVm(SimVmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            if (!_hosts.TryGetValue(spec.HostId, out var host))
            {
                throw new ArgumentException($"Host {spec.HostId} does not exist.", nameof(spec));
            }

            if (_vms.ContainsKey(spec.VmId))
            {
                throw new ArgumentException($"VM {spec.VmId} already exists.", nameof(spec));
            }

            _vms[spec.VmId] = new VmState(spec) { DiskLockHolder = spec.HostId };
            host.Instances[spec.VmId] = new Instance(VmRunState.Running, null);
        }
    }

    public bool UpdateVm(string vmId, VmUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            if (!_vms.TryGetValue(vmId, out var vm))
            {
                return false;
            }

            if (update.DirtyRateMBps is { } rate)
            {
                vm.DirtyRateMBps = rate;
            }

            if (update.Cpu is { } cpu)
            {
                vm.Cpu = cpu;
            }

            return true;
        }
    }

    public bool InjectFault(FaultSpec fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            if (!_hosts.TryGetValue(fault.HostId, out var host))
            {
                return false;
            }

            var until = fault.DurationSeconds is { } seconds ? _wallClock.GetUtcNow().AddSeconds(seconds) : DateTimeOffset.MaxValue;
            switch (fault.Kind)
            {
                case FaultKind.Unresponsive:
                    host.UnresponsiveUntil = until;
                    break;
                case FaultKind.UnresponsiveOnResume:
                case FaultKind.UnresponsiveAfterResumeStarted:
                    host.ArmedResumeFault = fault;
                    break;
                case FaultKind.RefusePrepare:
                    host.RefuseReason = fault.Reason ?? "refused by fault injection";
                    break;
                case FaultKind.Slow:
                    host.SlowMs = fault.DelayMs;
                    break;
                case FaultKind.Errors:
                    host.ErrorsLeft = fault.Count;
                    break;
            }

            return true;
        }
    }

    public bool ClearFaults(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return false;
            }

            host.UnresponsiveUntil = null;
            host.ArmedResumeFault = null;
            host.RefuseReason = null;
            host.SlowMs = 0;
            host.ErrorsLeft = 0;
            return true;
        }
    }

    public bool HasHost(string hostId)
    {
        lock (_gate)
        {
            return _hosts.ContainsKey(hostId);
        }
    }

    /// <summary>What happens to a call addressed to the host before it reaches the handler.</summary>
    public (bool Exists, bool Unresponsive, int DelayMs, bool Error) Admit(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return (false, false, 0, false);
            }

            if (IsUnresponsive(host))
            {
                return (true, true, host.SlowMs, false);
            }

            var error = false;
            if (host.ErrorsLeft > 0)
            {
                host.ErrorsLeft--;
                error = true;
            }

            return (true, false, host.SlowMs, error);
        }
    }

    public SimResult<HostStatus> Status(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return UnknownHost<HostStatus>(hostId);
            }

            var vms = host.Instances
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p =>
                {
                    var vm = _vms[p.Key];
                    return new VmStatus(vm.Id, vm.GroupId, vm.Cpu, vm.MemoryMb, vm.DirtyRateMBps, p.Value.State);
                })
                .ToList();
            var active = ActiveMigrationsOn(hostId);
            var used = host.Instances.Where(p => p.Value.State == VmRunState.Running).Sum(p => _vms[p.Key].Cpu) + (active * _options.MigrationCpuCost);
            var load = host.Power == PowerState.On ? Math.Clamp(used / host.Spec.CpuCapacity, 0, 1) : 0;
            return SimResult<HostStatus>.Ok(new HostStatus(
                hostId, host.Spec.CpuCapacity, host.Spec.MemoryMb, host.Spec.BandwidthMBps, load, host.Power, vms, active, _simClock.GetUtcNow()));
        }
    }

    public SimResult<PowerResponse> Power(string hostId, PowerAction action)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return UnknownHost<PowerResponse>(hostId);
            }

            if (action == PowerAction.Reduce)
            {
                if (host.Power != PowerState.Reduced && host.Instances.Count > 0)
                {
                    return SimResult<PowerResponse>.Fail(409, HypervisorErrorCodes.HostNotEmpty,
                        $"Host {hostId} still holds {host.Instances.Count} VM(s): {string.Join(", ", host.Instances.Keys.Order(StringComparer.Ordinal))}.");
                }

                host.Power = PowerState.Reduced;
            }
            else
            {
                host.Power = PowerState.On;
            }

            PlacementChanged?.Invoke(SnapshotLocked());
            return SimResult<PowerResponse>.Ok(new PowerResponse(hostId, host.Power));
        }
    }

    public FleetSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    private FleetSnapshot SnapshotLocked() => new(
        _hosts.Values.OrderBy(h => h.Spec.HostId, StringComparer.Ordinal)
            .Select(h => new HostSnapshot(h.Spec.HostId, h.Power,
                h.Instances.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new InstanceSnapshot(p.Key, p.Value.State, p.Value.MigrationId)).ToList()))
            .ToList(),
        _vms.Values.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => new VmSnapshot(v.Id, v.GroupId, v.MemoryMb, v.DirtyRateMBps, v.DiskLockHolder)).ToList(),
        _migrations.Values.Select(ToStatus).ToList(),
        _lockRefusals);

    private static HostMigrationStatus ToStatus(MigrationState m) => new(m.Id, m.VmId, m.SourceId, m.DestinationId, m.Phase, m.Rounds.Count);

    private int ActiveMigrationsOn(string hostId) =>
        _migrations.Values.Count(m => m.IsActive && (m.SourceId == hostId || m.DestinationId == hostId));

    private bool IsUnresponsive(HostState host) => host.UnresponsiveUntil is { } until && _wallClock.GetUtcNow() < until;

    private DateTimeOffset Until(FaultSpec fault) =>
        fault.DurationSeconds is { } seconds ? _wallClock.GetUtcNow().AddSeconds(seconds) : DateTimeOffset.MaxValue;

    private static SimResult<T> UnknownHost<T>(string hostId) =>
        SimResult<T>.Fail(404, HypervisorErrorCodes.UnknownHost, $"Host {hostId} does not exist.");
}
