using Prescient.Core.Selection;

namespace Prescient.Core.Tests.Selection;

public class VmSelectorTests
{
    private static VmInfo Vm(string id, double cpu, double memory = 1024, int priority = 0, string? group = null, bool auto = true, double dirty = 10) =>
        new(id, group, priority, auto, cpu, memory, dirty);

    private static readonly VmSelector Selector = new();

    private static string[] Ids(VmSelection selection) => [.. selection.Units.Select(u => u.Id)];

    [Fact]
    public void Moves_the_fewest_vms_that_bring_the_load_back_in_range()
    {
        var vms = new[] { Vm("a", 0.05), Vm("b", 0.10), Vm("c", 0.30), Vm("d", 0.20), Vm("e", 0.25) };
        var selection = Selector.Offload(vms, load: 0.90, targetLoad: 0.80);
        Assert.Single(selection.Units);
        Assert.True(selection.Sufficient);
        Assert.True(selection.LoadAfter <= 0.80);

        var two = Selector.Offload(vms, load: 0.90, targetLoad: 0.45);
        Assert.Equal(2, two.Units.Count);
        Assert.True(two.LoadAfter <= 0.45 + 1e-12);
    }

    [Fact]
    public void Among_equals_the_cheapest_to_move_goes()
    {
        var vms = new[]
        {
            Vm("big-memory", 0.2, memory: 32_768),
            Vm("busy-writer", 0.2, memory: 4096, dirty: 900),
            Vm("cheap", 0.2, memory: 4096, dirty: 10),
        };
        Assert.Equal(["cheap"], Ids(Selector.Offload(vms, 0.9, 0.8)));
    }

    [Fact]
    public void Cheapness_never_costs_an_extra_move()
    {
        // Two cheap small VMs would do, but one larger, dearer VM is enough on its own.
        var vms = new[] { Vm("small1", 0.06, memory: 512), Vm("small2", 0.06, memory: 512), Vm("large", 0.12, memory: 8192) };
        Assert.Equal(["large"], Ids(Selector.Offload(vms, 0.91, 0.80)));
    }

    [Fact]
    public void Lower_priority_vms_move_first()
    {
        var vms = new[] { Vm("important", 0.3, priority: 5), Vm("batch", 0.15, priority: 0, memory: 65_536) };
        Assert.Equal(["batch"], Ids(Selector.Offload(vms, 0.90, 0.80)));

        // When the low-priority level is not enough, all of it goes before a higher one is touched.
        var selection = Selector.Offload(vms, 0.99, 0.80);
        Assert.Equal(["batch", "important"], Ids(selection));
    }

    [Fact]
    public void Only_vms_with_automatic_migration_move()
    {
        var vms = new[] { Vm("pinned", 0.5, auto: false), Vm("free", 0.05) };
        var selection = Selector.Offload(vms, 0.95, 0.80);
        Assert.Equal(["free"], Ids(selection));
        Assert.False(selection.Sufficient);
        Assert.Equal("pinned", Assert.Single(selection.Unmovable).Vm.VmId);
        Assert.Contains("not enough movable VMs", selection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_moves_together()
    {
        var vms = new[] { Vm("web1", 0.05, group: "shop"), Vm("web2", 0.05, group: "shop"), Vm("db", 0.2, group: "shop"), Vm("solo", 0.5, memory: 65_536) };
        var selection = Selector.Offload(vms, 0.95, 0.80);
        var unit = Assert.Single(selection.Units);
        Assert.Equal("shop", unit.Id);
        Assert.Equal(3, unit.Vms.Count);
        Assert.Equal(0.3, unit.Cpu, 12);
        Assert.Equal(3 * 1024, unit.MemoryMb);
    }

    [Fact]
    public void A_group_with_a_pinned_member_does_not_move()
    {
        var vms = new[] { Vm("web", 0.2, group: "shop"), Vm("db", 0.2, group: "shop", auto: false), Vm("solo", 0.1) };
        var selection = Selector.Offload(vms, 0.95, 0.80);
        Assert.Equal(["solo"], Ids(selection));
        Assert.Equal(2, selection.Unmovable.Count);
        Assert.Contains(selection.Unmovable, u => u.Vm.VmId == "web" && u.Reason.Contains("moves together", StringComparison.Ordinal));
    }

    [Fact]
    public void A_group_is_as_important_as_its_most_important_member()
    {
        var vms = new[] { Vm("a", 0.2, priority: 0, group: "g"), Vm("b", 0.0, priority: 9, group: "g"), Vm("c", 0.2, priority: 1) };
        Assert.Equal(["c"], Ids(Selector.Offload(vms, 0.9, 0.8)));
    }

    [Fact]
    public void Nothing_moves_when_the_load_is_in_range()
    {
        var selection = Selector.Offload([Vm("a", 0.5)], 0.7, 0.8);
        Assert.Empty(selection.Units);
        Assert.True(selection.Sufficient);
    }

    [Fact]
    public void Evacuation_moves_every_movable_vm_and_reports_the_rest()
    {
        var vms = new[] { Vm("a", 0.02), Vm("b", 0.03, group: "g"), Vm("c", 0.01, group: "g"), Vm("pinned", 0.01, auto: false) };
        var selection = Selector.Evacuate(vms);
        Assert.Equal(2, selection.Units.Count);
        Assert.False(selection.Sufficient);
        Assert.Equal("pinned", Assert.Single(selection.Unmovable).Vm.VmId);
        Assert.Contains("cannot be powered down", selection.Reason, StringComparison.Ordinal);
        Assert.True(Selector.Evacuate([Vm("a", 0.02)]).Sufficient);
    }

    [Fact]
    public void Duplicate_vm_ids_are_rejected() =>
        Assert.Throws<ArgumentException>(() => Selector.Offload([Vm("a", 0.1), Vm("a", 0.2)], 0.9, 0.8));

    [Fact]
    public void Invalid_vm_figures_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Vm("a", 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vm("a", 0.1, memory: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vm("a", 0.1, dirty: double.NaN));
        Assert.Throws<ArgumentException>(() => Vm("a", 0.1, group: " "));
    }

    [Fact]
    public void Migration_cost_grows_with_memory_and_dirty_rate()
    {
        var model = MigrationCostModel.Default;
        var small = model.Estimate(1024, 10);
        var large = model.Estimate(8192, 10);
        var dirty = model.Estimate(1024, 600);
        Assert.True(large.Duration > small.Duration);
        Assert.True(dirty.Duration > small.Duration);
        Assert.True(small.Converges);
        Assert.False(model.Estimate(1024, 2000).Converges);
        Assert.Equal(1024 / 1250.0, model.Estimate(1024, 0).Duration.TotalSeconds, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MigrationCostModel(BandwidthMbps: 0));
    }
}
