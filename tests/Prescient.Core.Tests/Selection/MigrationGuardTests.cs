using Prescient.Core.Migration;
using Prescient.Core.Controller;
using Prescient.Core.Selection;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Selection;

public class MigrationGuardTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly HostSettings Settings = HostSettings.Default with
    {
        VmCooldown = TimeSpan.FromMinutes(60),
        HoldDuration = TimeSpan.Zero,
        MinimumImprovement = 0.05,
        MaxMigrationsPerCycle = 10,
        MaxMigrationsPerHostPerCycle = 10,
    };

    private static MigrationUnit Unit(string id, double cpu = 0.1, double memory = 4096) =>
        new([new VmInfo(id, null, 0, true, cpu, memory, 10)], MigrationCostModel.Default);

    private static PlannedMigration Move(string vm, string from, string to, double cpu = 0.1, Indication indication = Indication.Offload, double memory = 4096) =>
        new(Unit(vm, cpu, memory), from, to, indication, cpu);

    private static GuardContext Context(
        Dictionary<string, DateTimeOffset>? moved = null,
        Dictionary<string, DateTimeOffset>? since = null,
        Dictionary<string, TimeSpan>? overload = null) =>
        new(Now, moved ?? [], since ?? [], overload ?? []);

    [Fact]
    public void A_vm_in_its_cooldown_does_not_move()
    {
        var context = Context(moved: new() { ["a"] = Now.AddMinutes(-30), ["b"] = Now.AddMinutes(-90) });
        var result = MigrationGuard.Filter([Move("a", "h1", "h2"), Move("b", "h1", "h2")], context, Settings);
        Assert.Equal("b", Assert.Single(result.Approved).Unit.Id);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(GuardRule.Cooldown, rejected.Rule);
        Assert.Contains("30 min ago", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Moves_wait_for_the_hold_duration()
    {
        var settings = Settings with { HoldDuration = TimeSpan.FromMinutes(20) };
        var context = Context(since: new() { ["old"] = Now.AddMinutes(-25), ["new"] = Now.AddMinutes(-5) });
        var result = MigrationGuard.Filter([Move("a", "old", "h9"), Move("b", "new", "h9"), Move("c", "unlisted", "h9")], context, settings);
        Assert.Equal("a", Assert.Single(result.Approved).Unit.Id);
        Assert.All(result.Rejected, r => Assert.Equal(GuardRule.Hold, r.Rule));
        Assert.Equal(2, result.Rejected.Count);
    }

    [Fact]
    public void Offloads_below_the_minimum_improvement_are_dropped_but_evacuations_are_not()
    {
        var result = MigrationGuard.Filter(
            [Move("tiny", "h1", "h2", cpu: 0.01), Move("ok", "h1", "h2", cpu: 0.06), Move("idle", "h3", "h2", cpu: 0.01, indication: Indication.ReducePower)],
            Context(), Settings);
        Assert.Equal(["ok", "idle"], result.Approved.Select(m => m.Unit.Id));
        Assert.Equal(GuardRule.MinimumImprovement, Assert.Single(result.Rejected).Rule);
    }

    [Fact]
    public void No_migration_for_an_overload_shorter_than_the_migration()
    {
        var big = Move("big", "spiky", "h2", memory: 262_144); // about 210 s to move
        var small = Move("small", "sustained", "h2", memory: 1024);
        var context = Context(overload: new() { ["spiky"] = TimeSpan.FromSeconds(60), ["sustained"] = TimeSpan.FromMinutes(40) });
        var result = MigrationGuard.Filter([big, small], context, Settings);
        Assert.Equal("small", Assert.Single(result.Approved).Unit.Id);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(GuardRule.CostBenefit, rejected.Rule);
        Assert.Contains("shorter than moving", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Overload_duration_counts_consecutive_predicted_periods_above_high()
    {
        Assert.Equal(TimeSpan.FromMinutes(40), MigrationGuard.OverloadDuration([0.9, 0.85, 0.7, 0.9], 0.8, TimeSpan.FromMinutes(20)));
        Assert.Equal(TimeSpan.Zero, MigrationGuard.OverloadDuration([0.7, 0.9], 0.8, TimeSpan.FromMinutes(20)));
    }

    [Fact]
    public void A_to_B_to_A_inside_a_plan_is_removed()
    {
        var result = MigrationGuard.Filter([Move("a", "h1", "h2"), Move("b", "h1", "h3"), Move("a", "h2", "h1")], Context(), Settings);
        Assert.Equal("b", Assert.Single(result.Approved).Unit.Id);
        Assert.Equal(2, result.Rejected.Count);
        Assert.All(result.Rejected, r => Assert.Equal(GuardRule.PingPong, r.Rule));
    }

    [Fact]
    public void A_to_B_to_C_collapses_to_A_to_C()
    {
        var result = MigrationGuard.Filter([Move("a", "h1", "h2"), Move("a", "h2", "h3")], Context(), Settings);
        var move = Assert.Single(result.Approved);
        Assert.Equal(("h1", "h3"), (move.SourceHostId, move.DestinationHostId));
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Caps_per_cycle_and_per_host_keep_plan_order()
    {
        var settings = Settings with { MaxMigrationsPerCycle = 3, MaxMigrationsPerHostPerCycle = 2 };
        var plan = new[] { Move("a", "h1", "h2"), Move("b", "h1", "h3"), Move("c", "h1", "h4"), Move("d", "h5", "h6"), Move("e", "h7", "h8") };
        var result = MigrationGuard.Filter(plan, Context(), settings);
        Assert.Equal(["a", "b", "d"], result.Approved.Select(m => m.Unit.Id));
        Assert.Equal(GuardRule.HostCap, result.Rejected.Single(r => r.Migration.Unit.Id == "c").Rule);
        Assert.Equal(GuardRule.CycleCap, result.Rejected.Single(r => r.Migration.Unit.Id == "e").Rule);
    }

    [Fact]
    public void Destination_counts_toward_the_host_cap()
    {
        var settings = Settings with { MaxMigrationsPerHostPerCycle = 1 };
        var result = MigrationGuard.Filter([Move("a", "h1", "hx"), Move("b", "h2", "hx")], Context(), settings);
        Assert.Equal("a", Assert.Single(result.Approved).Unit.Id);
        Assert.Contains("'hx'", Assert.Single(result.Rejected).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_is_built_from_placements()
    {
        var placement = new DestinationSelector([
            new HostView("h1", 32, 65_536, 0, 0.9, [], PowerState.On, new WorkloadRange(0.15, 0.8)),
            new HostView("h2", 32, 65_536, 0, 0.2, [], PowerState.On, new WorkloadRange(0.15, 0.8)),
        ]).Place(Unit("a", 0.2), "h1");
        var move = PlannedMigration.From(placement, Indication.Offload);
        Assert.Equal(("h1", "h2", 0.2), (move.SourceHostId, move.DestinationHostId, move.Improvement));
    }
}
