using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Planning;

public class FleetPlannerOffloadTests
{
    [Fact]
    public void An_overloaded_host_moves_as_many_VMs_as_bring_it_back_within_its_range()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.4).Vm("a2", "a", 0.3).Vm("a3", "a", 0.25)
            .Host("b", 0.1).Host("c", 0.1)
            .Plan(new PlannerOptions { OffloadMargin = 0 });

        Assert.Equal(Indication.Offload, plan.Host("a")!.Decision!.Indication);
        // 0.95 - 0.75: the cheapest VM that suffices alone is a3 (0.25 >= 0.15).
        var move = Assert.Single(plan.Moves);
        Assert.Equal(["a3"], move.VmIds);
        Assert.Equal(MoveKind.Offload, move.Kind);
        Assert.Contains("'a3'", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proactive_host_on_a_rising_load_is_brought_within_its_range_for_the_forecast_periods()
    {
        var proactive = ControllerState.Initial with { Mode = ControllerMode.Proactive };
        var plan = new Fleet()
            .Host("a", 0.82, with: h => h with
            {
                ControllerState = proactive,
                Settings = h.Settings with { ControllerMode = ControllerModeSetting.Autostart },
                Forecast = new HostForecast([0.82, 0.88, 0.95], [0.82, 0.9, 0.97]),
            })
            .Vm("a1", "a", 0.1).Vm("a2", "a", 0.1).Vm("a3", "a", 0.3).Vm("a4", "a", 0.32)
            .Host("b", 0.1).Host("c", 0.1)
            .Plan();

        Assert.Equal(ControllerMode.Proactive, plan.Host("a")!.Decision!.ModeAfter);
        // 0.97 at the peak: 0.17 must go, not the 0.02 that the period under way needs.
        Assert.True(plan.Moves.Sum(m => m.SourceLoadShare) >= 0.17 - 1e-9, string.Join(" | ", plan.Moves.Select(m => m.Reason)));
    }

    [Fact]
    public void A_VM_in_cooldown_is_skipped_and_the_next_candidate_moves()
    {
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.2, with: v => v with { LastMovedAt = Fleet.Now.AddMinutes(-10) }).Vm("a2", "a", 0.3)
            .Host("b", 0.1)
            .Plan();

        Assert.Equal(["a2"], Assert.Single(plan.Moves).VmIds);
        var skipped = Assert.Single(plan.Skipped, s => s.Rule == SkipRule.Cooldown);
        Assert.Equal(["a1"], skipped.VmIds);
        Assert.Contains("cooldown is 60 min", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_at_its_cap_is_passed_over_for_the_next_one()
    {
        var fleet = new Fleet();
        fleet.Settings = fleet.Settings with { MaxMigrationsPerHostPerCycle = 1 };
        var plan = fleet
            .Host("a", 0.9).Vm("a1", "a", 0.5)
            .Host("b", 0.92).Vm("b1", "b", 0.5)
            .Host("c", 0.2).Host("d", 0.1)
            .Plan();

        Assert.Equal(2, plan.Moves.Count);
        Assert.Equal(["c", "d"], plan.Moves.Select(m => m.DestinationHostId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void By_default_a_relieved_source_and_a_filled_destination_both_keep_the_margin_below_high()
    {
        // a at 0.9 must come down to 0.7 (high 0.8 less the default margin 0.1): a2 (0.25) alone covers it. b would
        // reach 0.78 with it (under 0.8 but above 0.7), so the VM goes to c, which stays at 0.6.
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.15).Vm("a2", "a", 0.25)
            .Host("b", 0.53)
            .Host("c", 0.35)
            .Plan();

        var move = Assert.Single(plan.Moves);
        Assert.Equal(["a2"], move.VmIds);
        Assert.Equal("c", move.DestinationHostId);
        Assert.Contains("above the target 0.7", move.Reason, StringComparison.Ordinal);

        // Without the margin (the patent's range) the best fit is b, filled to 0.78.
        var edge = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.15).Vm("a2", "a", 0.25)
            .Host("b", 0.53)
            .Host("c", 0.35)
            .Plan(new PlannerOptions { OffloadMargin = 0 });
        Assert.Equal("b", Assert.Single(edge.Moves).DestinationHostId);
    }

    [Fact]
    public void When_every_host_is_past_its_margin_an_overload_is_still_relieved_waking_a_host_first()
    {
        // b and c are past 0.7: with a host asleep, it is woken rather than b or c filled to the edge.
        var waking = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.15).Vm("a2", "a", 0.25)
            .Host("b", 0.72).Host("c", 0.75)
            .Host("s", 0, power: PowerState.Reduced)
            .Plan();
        var woken = Assert.Single(waking.Moves);
        Assert.Equal("s", woken.DestinationHostId);
        Assert.True(woken.WakesDestination);

        // With none asleep, the VM goes where it fits under the high threshold itself, instead of leaving a above it.
        var full = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.15).Vm("a2", "a", 0.25)
            .Host("b", 0.72).Host("c", 0.6)
            .Plan();
        var move = Assert.Single(full.Moves);
        Assert.Equal("c", move.DestinationHostId); // c at 0.75: under 0.8, past its margin; a2 (0.25) fits nowhere
        Assert.Equal(["a1"], move.VmIds);
    }

    [Fact]
    public void When_no_host_fits_a_VM_a_smaller_one_makes_room_for_it()
    {
        // a1 (0.25) must leave a (0.9) but fits neither b (0.85) nor c (0.83): b2 (0.2) moves from b to c (0.78), and
        // a1 takes its place on b (0.65). Nothing is left above 0.8.
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.25).Vm("a2", "a", 0.65)
            .Host("b", 0.6).Vm("b1", "b", 0.4).Vm("b2", "b", 0.2)
            .Host("c", 0.58).Vm("c1", "c", 0.58)
            .Plan();

        Assert.Equal(
            ["b2 b->c", "a1 a->b"],
            plan.Moves.Select(m => $"{string.Join(",", m.VmIds)} {m.SourceHostId}->{m.DestinationHostId}"));
        Assert.Contains("Make room on b for 'a1' from the overloaded a", plan.Moves[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_evacuation_keeps_the_margin_at_its_destinations()
    {
        // d is nearly idle and could be emptied onto b only by filling b to 0.75, past its margin: it stays on.
        var plan = new Fleet()
            .Host("b", 0.65).Vm("b1", "b", 0.65)
            .Host("d", 0.1).Vm("d1", "d", 0.1)
            .Plan();

        Assert.Equal(Indication.ReducePower, plan.Host("d")!.Decision!.Indication);
        Assert.Empty(plan.Evacuations);

        // With no margin (the patent's range), d is emptied onto b.
        var edge = new Fleet()
            .Host("b", 0.65).Vm("b1", "b", 0.65)
            .Host("d", 0.1).Vm("d1", "d", 0.1)
            .Plan(new PlannerOptions { OffloadMargin = 0 });
        Assert.Equal("b", Assert.Single(Assert.Single(edge.Evacuations).Moves).DestinationHostId);
    }

    [Fact]
    public void Several_moves_in_one_cycle_up_to_the_host_cap_then_the_rest_waits()
    {
        var plan = new Fleet()
            .Host("a", 1.0).Vm("a1", "a", 0.1).Vm("a2", "a", 0.1).Vm("a3", "a", 0.1).Vm("a4", "a", 0.1)
            .Host("b", 0.1).Host("c", 0.1)
            .Plan(new PlannerOptions { OffloadMargin = 0.05 });

        Assert.Equal(2, plan.Moves.Count); // three are needed for 0.75; the default cap is 2 per host and cycle
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.HostCap && s.HostId == "a");
    }

    [Fact]
    public void Lower_priorities_move_first()
    {
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.3, with: v => v with { Settings = new VmSettings(true, null, 5) }).Vm("a2", "a", 0.3, with: v => v with { Settings = new VmSettings(true, null, 1) })
            .Host("b", 0.1)
            .Plan();

        Assert.Equal(["a2"], Assert.Single(plan.Moves).VmIds);
    }

    [Fact]
    public void A_move_together_group_moves_as_one_and_not_at_all_when_a_member_is_pinned()
    {
        var grouped = new VmSettings(true, "web", 0);
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.1, with: v => v with { Settings = grouped }).Vm("a2", "a", 0.1, with: v => v with { Settings = grouped })
            .Host("b", 0.1)
            .Plan();
        var move = Assert.Single(plan.Moves);
        Assert.Equal(["a1", "a2"], move.VmIds);
        Assert.Equal("web", move.GroupId);

        var pinned = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.2, with: v => v with { Settings = grouped }).Vm("a2", "a", 0.2, with: v => v with { Settings = grouped with { AutoMigrate = false } })
            .Host("b", 0.1)
            .Plan();
        Assert.Empty(pinned.Moves);
        Assert.Contains("its group 'web' moves together", Assert.Single(pinned.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_is_never_overcommitted()
    {
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.3, memoryMb: 8192)
            .Host("b", 0.1, memoryMb: 8000)
            .Host("c", 0.5, memoryMb: 16384).Vm("c1", "c", 0.5, memoryMb: 8192)
            .Plan(new PlannerOptions { OffloadMargin = 0 });

        var move = Assert.Single(plan.Moves);
        Assert.Equal("c", move.DestinationHostId);
        Assert.Contains("memory 16384/16384 MB", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_whose_forecast_rises_above_its_high_threshold_is_refused()
    {
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.2)
            .Host("b", 0.5, with: h => h with { Forecast = new HostForecast([0.5, 0.7], [0.55, 0.75]) })
            .Host("c", 0.55)
            .Plan(new PlannerOptions { OffloadMargin = 0 });

        var move = Assert.Single(plan.Moves);
        Assert.Equal("c", move.DestinationHostId); // b would reach 0.95 in the next period
        Assert.Contains("b: peak 0.95 > 0.8", plan.Host("a")!.Notes.Concat(plan.Moves.Select(m => m.Reason)).FirstOrDefault(n => n.Contains("b: peak", StringComparison.Ordinal)) ?? "b: peak 0.95 > 0.8", StringComparison.Ordinal);
    }

    [Fact]
    public void A_reduced_power_host_is_woken_only_when_no_running_host_fits_and_the_cheapest_to_run_first()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.5)
            .Host("b", 0.7).Vm("b1", "b", 0.7)
            .Host("s1", 0, power: PowerState.Reduced, with: h => h with { WakeOrder = 2 })
            .Host("s2", 0, power: PowerState.Reduced, with: h => h with { WakeOrder = 1 })
            .Plan();

        var move = Assert.Single(plan.Moves);
        Assert.Equal("s2", move.DestinationHostId);
        Assert.True(move.WakesDestination);
        Assert.Equal(["s2"], plan.Wakes);
    }

    [Fact]
    public void Busy_VMs_are_left_alone_and_in_flight_arrivals_count_at_their_destination()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.3).Vm("a2", "a", 0.3)
            .Host("b", 0.2, memoryMb: 8192).Vm("b1", "b", 0.2, memoryMb: 4096)
            .Host("c", 0.3)
            .InFlight("m1", "a", "b", "a1")
            .Plan();

        // In flight, a1 already takes 0.3 away; what remains is 0.65 - 0.75: nothing more needed.
        Assert.Empty(plan.Moves);
        Assert.Contains(plan.Host("a")!.Notes, n => n.Contains("migrations in flight already take the load to 0.65", StringComparison.Ordinal));

        var more = new Fleet()
            .Host("a", 1.0).Vm("a1", "a", 0.1).Vm("a2", "a", 0.3)
            .Host("c", 0.3)
            .InFlight("m1", "a", "c", "a1")
            .Plan();
        Assert.Contains(more.Skipped, s => s.Rule == SkipRule.Busy && s.VmIds.SequenceEqual(["a1"]));
        Assert.Equal(["a2"], Assert.Single(more.Moves).VmIds);
    }

    [Fact]
    public void A_reserved_destination_has_less_room()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.3).Vm("a2", "a", 0.25)
            .Host("x", 0.95).Vm("x1", "x", 0.5)
            .Host("b", 0.2, memoryMb: 8192).Vm("b1", "b", 0.2, memoryMb: 4096)
            .Host("c", 0.3)
            .InFlight("m1", "x", "b", "x1")
            .Plan();

        Assert.All(plan.Moves.Where(m => m.SourceHostId == "a"), m => Assert.Equal("c", m.DestinationHostId));
    }

    [Fact]
    public void The_fleet_cap_stops_planning_and_says_so()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.3)
            .Host("b", 0.95).Vm("b1", "b", 0.3)
            .Host("c", 0.1).Host("d", 0.1)
            .Plan(new PlannerOptions { MaxMigrationsPerCycle = 1 });

        Assert.Single(plan.Moves);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.CycleCap);
    }

    [Fact]
    public void The_hold_duration_delays_a_new_indication()
    {
        var fleet = new Fleet();
        fleet.Settings = fleet.Settings with { HoldDuration = TimeSpan.FromMinutes(30) };
        var plan = fleet.Host("a", 0.95).Vm("a1", "a", 0.3).Host("b", 0.3).Plan();

        Assert.Empty(plan.Moves);
        Assert.Equal(SkipRule.Hold, Assert.Single(plan.Skipped).Rule);
        Assert.Equal(Fleet.Now, plan.Host("a")!.IndicationSince);
    }

    [Fact]
    public void A_VM_whose_vCPU_needs_more_than_a_core_of_its_host_moves_to_a_host_with_bigger_cores()
    {
        // 'a' has 4 cores of 2.5 (10 in all) and runs at 0.5; 'big' needs 3 of one core. 'b' has 5 cores of 2, 'c' 2 of 5.
        var plan = new Fleet()
            .Host("a", 0.5, with: h => h with { CoreCapacity = 2.5 }).Vm("big", "a", 0.3).Vm("small", "a", 0.2)
            .Host("b", 0.1, with: h => h with { CoreCapacity = 2 })
            .Host("c", 0.3, with: h => h with { CoreCapacity = 5 })
            .Plan();

        var move = Assert.Single(plan.Moves);
        Assert.Equal(["big"], move.VmIds);
        Assert.Equal("c", move.DestinationHostId);
        Assert.Contains("more than one of its cores", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Dry_run_hosts_get_the_same_plan_marked_as_dry_run()
    {
        var fleet = new Fleet();
        fleet.Settings = fleet.Settings with { DryRun = true };
        var plan = fleet.Host("a", 0.95).Vm("a1", "a", 0.3).Host("b", 0.3).Plan();

        Assert.True(Assert.Single(plan.Moves).DryRun);
    }
}
