using Prescient.Core.Controller;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Planning;

/// <summary>
/// A host's forecast is learnt from the VMs it ran. After consolidation moves VMs around, it can put a half-empty host
/// at its old afternoon peak; an overload measured now must still find that host, by the loads measured now.
/// </summary>
public class FleetPlannerMeasuredFallbackTests
{
    /// <summary>b runs at 0.4 now, but its forecast (from the VMs it ran last week) expects 0.78 within the hour.</summary>
    private static Fleet StaleForecastFleet(double sourceMeasured, double destinationMeasured = 0.4) => new Fleet()
        .Host("a", sourceMeasured).Vm("a1", "a", 0.2).Vm("a2", "a", 0.3).Vm("a3", "a", 0.35)
        .Host("b", destinationMeasured, with: h => h with { Forecast = new HostForecast([destinationMeasured, 0.72, 0.75], [destinationMeasured, 0.76, 0.78]) })
        .Vm("b1", "b", destinationMeasured)
        .Host("c", 0.75).Vm("c1", "c", 0.75);

    [Fact]
    public void An_overload_measured_now_goes_where_the_measured_load_has_room_when_every_forecast_says_none()
    {
        var plan = StaleForecastFleet(0.85).Plan();

        // a must come down to 0.7: a1 (0.2) covers it; by its forecast b would peak at 0.98, by what it runs now 0.6.
        var move = Assert.Single(plan.Moves);
        Assert.Equal(["a1"], move.VmIds);
        Assert.Equal("b", move.DestinationHostId);
        Assert.Contains("by the loads measured now", move.Reason, StringComparison.Ordinal);
        Assert.Contains("its load now 0.6 stays within", move.Reason, StringComparison.Ordinal);
        Assert.Contains("peak at 0.98", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_measured_view_keeps_the_margin_first_then_fills_up_to_the_high_threshold_and_never_past_it()
    {
        // a (0.95) must shed 0.25; b runs 0.6 now. a2 (0.3, the cheapest that covers it) would take b to 0.9 and a3 to
        // 0.95: refused by what is measured too. a1 (0.2) takes b to 0.8, past the margin but not past high.
        var plan = StaleForecastFleet(0.95, destinationMeasured: 0.6).Plan();

        var move = Assert.Single(plan.Moves);
        Assert.Equal(["a1"], move.VmIds);
        Assert.Equal("b", move.DestinationHostId);
        Assert.Contains("its load now 0.8 stays within", move.Reason, StringComparison.Ordinal);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.NoRoom && s.VmIds.Contains("a2") && s.Reason.Contains("b: load now 0.9 > 0.8", StringComparison.Ordinal));
    }

    [Fact]
    public void A_host_not_above_its_threshold_now_trusts_the_forecasts_and_waits()
    {
        // A proactive offload (the forecast expects the overload; 0.78 measured is still within the range) does not
        // override the destinations' forecasts.
        var proactive = ControllerState.Initial with { Mode = ControllerMode.Proactive };
        var plan = new Fleet()
            .Host("a", 0.78, with: h => h with
            {
                ControllerState = proactive,
                Settings = h.Settings with { ControllerMode = ControllerModeSetting.Autostart },
                Forecast = new HostForecast([0.8, 0.85, 0.88], [0.84, 0.88, 0.9]),
            })
            .Vm("a1", "a", 0.2).Vm("a2", "a", 0.28).Vm("a3", "a", 0.3)
            .Host("b", 0.4, with: h => h with { Forecast = new HostForecast([0.4, 0.72, 0.75], [0.4, 0.76, 0.78]) }).Vm("b1", "b", 0.4)
            .Host("c", 0.75).Vm("c1", "c", 0.75)
            .Plan();

        Assert.Equal(Indication.Offload, plan.Host("a")!.Decision!.Indication);
        Assert.Empty(plan.Moves);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.NoRoom && s.Reason.Contains("b: peak", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_forecast_the_measured_view_changes_nothing()
    {
        var plan = new Fleet()
            .Host("a", 0.9).Vm("a1", "a", 0.2).Vm("a2", "a", 0.7)
            .Host("b", 0.65).Vm("b1", "b", 0.65)
            .Plan();

        // b would reach 0.85: over high by what is measured, as by the (absent) forecast.
        Assert.Empty(plan.Moves);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.NoRoom);
    }
}
