using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Planning;

/// <summary>Builds small fleet snapshots for planner tests: hosts of 10 cores and 64 GB, reactive 0.15-0.80 by default.</summary>
internal sealed class Fleet
{
    public static readonly DateTimeOffset Now = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private readonly List<HostSnapshot> _hosts = [];
    private readonly List<VmSnapshot> _vms = [];
    private readonly List<InFlightMove> _inFlight = [];

    public HostSettings Settings { get; set; } = HostSettings.Default with { ControllerMode = ControllerModeSetting.Reactive };

    public Fleet Host(string id, double measured, double memoryMb = 65536, PowerState power = PowerState.On, Func<HostSnapshot, HostSnapshot>? with = null)
    {
        var host = new HostSnapshot(id, 10, memoryMb, power, Settings) { MeasuredLoad = power == PowerState.On ? measured : null };
        _hosts.Add(with is null ? host : with(host));
        return this;
    }

    /// <summary>A VM taking <paramref name="share"/> of a 10-core host.</summary>
    public Fleet Vm(string id, string host, double share, double memoryMb = 4096, Func<VmSnapshot, VmSnapshot>? with = null)
    {
        var vm = new VmSnapshot(id, host, share * 10, memoryMb, 10);
        _vms.Add(with is null ? vm : with(vm));
        return this;
    }

    public Fleet InFlight(string id, string source, string destination, params string[] vmIds)
    {
        _inFlight.Add(new InFlightMove(id, vmIds, source, destination));
        return this;
    }

    public FleetSnapshot Snapshot() => new(Now, _hosts, _vms, _inFlight);

    public CyclePlan Plan(PlannerOptions? options = null) => FleetPlanner.Plan(Snapshot(), options);
}
