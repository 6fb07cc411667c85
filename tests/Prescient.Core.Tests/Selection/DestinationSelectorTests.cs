using Prescient.Core.Migration;
using Prescient.Core.Selection;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Selection;

public class DestinationSelectorTests
{
    private static readonly WorkloadRange Range = new(0.15, 0.80);

    private static HostView Host(string id, double measured, double[]? predicted = null, double memory = 65_536, double used = 0,
        PowerState power = PowerState.On, double capacity = 32) =>
        new(id, capacity, memory, used, measured, predicted ?? [], power, Range);

    private static MigrationUnit Unit(double cpu, double memory = 4096, string id = "vm") =>
        new([new VmInfo(id, null, 0, true, cpu, memory, 10)], MigrationCostModel.Default);

    [Fact]
    public void Picks_the_best_fit_that_stays_in_range()
    {
        var hosts = new[] { Host("src", 0.9), Host("roomy", 0.2), Host("snug", 0.55), Host("too-busy", 0.7) };
        var placement = new DestinationSelector(hosts).Place(Unit(0.2), "src");
        Assert.True(placement.Placed);
        Assert.Equal("snug", placement.DestinationHostId);
        Assert.Equal(0.75, placement.DestinationPeakAfter!.Value, 12);
        Assert.False(placement.WakesHost);
    }

    [Fact]
    public void The_destination_must_stay_in_range_over_the_predicted_periods()
    {
        var hosts = new[] { Host("src", 0.9), Host("rising", 0.3, [0.5, 0.7]), Host("flat", 0.4, [0.4, 0.4]) };
        var placement = new DestinationSelector(hosts).Place(Unit(0.2), "src");
        Assert.Equal("flat", placement.DestinationHostId);
    }

    [Fact]
    public void Memory_is_never_overcommitted()
    {
        var hosts = new[] { Host("src", 0.9), Host("full", 0.2, memory: 16_384, used: 14_000), Host("ok", 0.1, memory: 16_384, used: 1000) };
        var selector = new DestinationSelector(hosts);
        Assert.Equal("ok", selector.Place(Unit(0.05, memory: 4096, id: "a"), "src").DestinationHostId);
        Assert.Equal("ok", selector.Place(Unit(0.05, memory: 8192, id: "b"), "src").DestinationHostId);
        var third = selector.Place(Unit(0.05, memory: 4096, id: "c"), "src");
        Assert.False(third.Placed);
        Assert.Contains("memory", third.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shares_convert_between_hosts_of_different_sizes()
    {
        // 0.5 of a 16-core host is 8 cores: 0.25 of a 32-core host, 1.0 of an 8-core host.
        var hosts = new[] { Host("src", 0.9, capacity: 16), Host("small", 0.1, capacity: 8), Host("large", 0.3, capacity: 32) };
        var placement = new DestinationSelector(hosts).Place(Unit(0.5), "src");
        Assert.Equal("large", placement.DestinationHostId);
        Assert.Equal(0.55, placement.DestinationPeakAfter!.Value, 12);
    }

    [Fact]
    public void Placements_in_one_cycle_see_earlier_arrivals()
    {
        var hosts = new[] { Host("src", 0.95), Host("a", 0.5), Host("b", 0.3) };
        var selector = new DestinationSelector(hosts);
        Assert.Equal("a", selector.Place(Unit(0.2, id: "x"), "src").DestinationHostId);
        Assert.Equal("b", selector.Place(Unit(0.2, id: "y"), "src").DestinationHostId);
    }

    [Fact]
    public void A_sleeping_host_is_woken_only_when_no_running_host_fits()
    {
        var sleeping = Host("sleeper", 0.0, power: PowerState.Reduced);
        var fits = new DestinationSelector([Host("src", 0.9), Host("on", 0.3), sleeping]).Place(Unit(0.2), "src");
        Assert.Equal("on", fits.DestinationHostId);

        var selector = new DestinationSelector([Host("src", 0.9), Host("on", 0.7), sleeping]);
        var woken = selector.Place(Unit(0.2, id: "x"), "src");
        Assert.Equal("sleeper", woken.DestinationHostId);
        Assert.True(woken.WakesHost);
        Assert.Contains("woken", woken.Reason, StringComparison.Ordinal);

        var second = selector.Place(Unit(0.2, id: "y"), "src");
        Assert.Equal("sleeper", second.DestinationHostId);
        Assert.False(second.WakesHost); // already woken in this cycle
    }

    [Fact]
    public void Source_excluded_and_unavailable_hosts_never_receive()
    {
        var hosts = new[] { Host("src", 0.9), Host("evacuating", 0.05), Host("down", 0.0, power: PowerState.Unavailable) };
        var placement = new DestinationSelector(hosts, ["evacuating"]).Place(Unit(0.1), "src");
        Assert.False(placement.Placed);
        Assert.Equal("No host fits unit 'vm': no candidate host.", placement.Reason);
        Assert.Throws<ArgumentException>(() => new DestinationSelector(hosts).Place(Unit(0.1), "nowhere"));
    }

    [Fact]
    public void Refusals_say_why()
    {
        var placement = new DestinationSelector([Host("src", 0.9), Host("busy", 0.75)]).Place(Unit(0.2), "src");
        Assert.False(placement.Placed);
        Assert.Contains("busy: peak 0.95 > 0.8", placement.Reason, StringComparison.Ordinal);
    }
}
