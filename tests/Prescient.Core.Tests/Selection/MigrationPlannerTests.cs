using Prescient.Core.Migration;
using Prescient.Core.Controller;
using Prescient.Core.Selection;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Selection;

public class MigrationPlannerTests
{
    private static readonly WorkloadRange Range = new(0.15, 0.80);
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly GuardContext NoHistory = new(Now, new Dictionary<string, DateTimeOffset>(), new Dictionary<string, DateTimeOffset>(), new Dictionary<string, TimeSpan>());

    private static HostCycle Host(string id, double load, Indication indication, PowerState power = PowerState.On, params VmInfo[] vms) =>
        new(new HostView(id, 32, 65_536, vms.Sum(v => v.MemoryMb), load, [load], power, Range), indication, load, vms);

    private static VmInfo Vm(string id, double cpu, bool auto = true) => new(id, null, 0, auto, cpu, 2048, 10);

    [Fact]
    public void Offload_moves_the_fewest_vms_to_the_best_fit()
    {
        var hosts = new[]
        {
            Host("hot", 0.9, Indication.Offload, vms: [Vm("a", 0.05), Vm("b", 0.15), Vm("c", 0.4)]),
            Host("half", 0.5, Indication.None),
            Host("quiet", 0.2, Indication.None),
        };
        var plan = new MigrationPlanner().Plan(hosts, NoHistory, HostSettings.Default);
        var move = Assert.Single(plan.Migrations);
        Assert.Equal(("b", "hot", "half"), (move.Unit.Id, move.SourceHostId, move.DestinationHostId));
        Assert.Empty(plan.PowerDownHosts);
        Assert.Equal("hot", Assert.Single(plan.Selections).HostId);
    }

    [Fact]
    public void Reduce_power_evacuates_whole_hosts_and_powers_them_down()
    {
        var hosts = new[]
        {
            Host("idle", 0.06, Indication.ReducePower, vms: [Vm("a", 0.03), Vm("b", 0.03)]),
            Host("empty", 0.0, Indication.ReducePower),
            Host("busy", 0.5, Indication.None),
        };
        var plan = new MigrationPlanner().Plan(hosts, NoHistory, HostSettings.Default);
        Assert.Equal(2, plan.Migrations.Count);
        Assert.All(plan.Migrations, m => Assert.Equal("busy", m.DestinationHostId));
        Assert.Equal(["empty", "idle"], plan.PowerDownHosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_evacuation_that_cannot_complete_moves_nothing()
    {
        var pinned = new[]
        {
            Host("idle", 0.06, Indication.ReducePower, vms: [Vm("a", 0.03), Vm("pinned", 0.03, auto: false)]),
            Host("busy", 0.5, Indication.None),
        };
        var plan = new MigrationPlanner().Plan(pinned, NoHistory, HostSettings.Default);
        Assert.Empty(plan.Migrations);
        Assert.Empty(plan.PowerDownHosts);
        Assert.Contains("cannot move", Assert.Single(plan.Notes), StringComparison.Ordinal);

        var noRoom = new[]
        {
            Host("idle", 0.1, Indication.ReducePower, vms: [Vm("a", 0.05), Vm("b", 0.05)]),
            Host("almost-full", 0.74, Indication.None),
        };
        var second = new MigrationPlanner().Plan(noRoom, NoHistory, HostSettings.Default);
        Assert.Empty(second.Migrations);
        Assert.Single(second.Unplaced);
        Assert.Empty(second.PowerDownHosts);
    }

    [Fact]
    public void An_evacuation_with_a_guarded_move_is_dropped_whole()
    {
        var hosts = new[]
        {
            Host("idle", 0.06, Indication.ReducePower, vms: [Vm("a", 0.03), Vm("recent", 0.03)]),
            Host("busy", 0.5, Indication.None),
        };
        var context = NoHistory with { LastMovedAt = new Dictionary<string, DateTimeOffset> { ["recent"] = Now.AddMinutes(-5) } };
        var plan = new MigrationPlanner().Plan(hosts, context, HostSettings.Default);
        Assert.Empty(plan.Migrations);
        Assert.Empty(plan.PowerDownHosts);
        Assert.Contains(plan.Rejected, r => r.Rule == GuardRule.Cooldown);
        Assert.Contains(plan.Rejected, r => r.Rule == GuardRule.IncompleteEvacuation);
    }

    [Fact]
    public void A_sleeping_host_is_woken_when_nothing_running_fits()
    {
        var hosts = new[]
        {
            Host("hot", 0.95, Indication.Offload, vms: [Vm("a", 0.3), Vm("b", 0.4)]),
            Host("full", 0.7, Indication.None),
            Host("asleep", 0.0, Indication.None, PowerState.Reduced),
        };
        var plan = new MigrationPlanner().Plan(hosts, NoHistory, HostSettings.Default);
        Assert.Equal("asleep", Assert.Single(plan.Migrations).DestinationHostId);
        Assert.Equal(["asleep"], plan.WakeHosts);
    }

    [Fact]
    public void Hosts_with_an_indication_never_receive()
    {
        var hosts = new[]
        {
            Host("hot", 0.9, Indication.Offload, vms: [Vm("a", 0.2)]),
            Host("idle", 0.05, Indication.ReducePower, vms: [Vm("b", 0.05)]),
        };
        var plan = new MigrationPlanner().Plan(hosts, NoHistory, HostSettings.Default);
        Assert.Empty(plan.Migrations);
        Assert.Equal(2, plan.Unplaced.Count);
    }
}
