using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Benchmarks;

public class TeamGoalTests
{
    private static ConsolidationResult R(string name, double energy, double slatah, double pdm, int migrations, double energyVsFloor = 1.2) =>
        new() { Name = name, Day = "median", Settings = "", EnergyKWh = energy, Slatah = slatah, Pdm = pdm, Migrations = migrations, EnergyFloorKWh = energy / energyVsFloor, EnergyVsFloor = energyVsFloor };

    // LR-MMT-1.2 has the least energy of the baselines, THR-MMT-0.8 about a tenth of its ESV, MAD-MMT-2.5 the fewest
    // migrations: the best baseline differs per metric.
    private static readonly ConsolidationResult Lr = R("LR-MMT-1.2", 100, 0.01, 0.001, 1000);
    private static readonly ConsolidationResult Thr = R("THR-MMT-0.8", 120, 0.001, 0.001, 1500);
    private static readonly ConsolidationResult Mad = R("MAD-MMT-2.5", 118, 0.002, 0.001, 800);

    [Fact]
    public void The_best_baseline_is_found_per_metric()
    {
        var best = BaselineComparison.Best([Lr, Thr, Mad, R("oracle", 1, 0, 0, 0), R("prescient-reactive", 50, 0, 0, 1)]);
        Assert.Equal("LR-MMT-1.2", best[BaselineComparison.Energy].Policy);
        Assert.Equal("THR-MMT-0.8", best[BaselineComparison.Slav].Policy);
        Assert.Equal("THR-MMT-0.8", best[BaselineComparison.Esv].Policy);
        Assert.Equal("MAD-MMT-2.5", best[BaselineComparison.Migrations].Policy);

        var ratios = BaselineComparison.Ratios(R("prescient-x", 90, 0.0005, 0.001, 400), best);
        Assert.Equal(["energy", "SLAV", "ESV", "migrations"], ratios.Select(x => x.Metric));
        Assert.Equal(0.9, ratios[0].Ratio!.Value, 12);
        Assert.Equal(0.5, ratios[1].Ratio!.Value, 12);
        Assert.Equal(90 * 0.0005 * 0.001 / (120 * 0.001 * 0.001), ratios[2].Ratio!.Value, 12);
        Assert.Equal(0.5, ratios[3].Ratio!.Value, 12);
    }

    [Fact]
    public void The_goal_judges_energy_against_lr_esv_and_migrations_against_the_best_baseline_and_energy_against_the_floor()
    {
        // ESV 0.3 x LR's passes the old rule but is 0.3 / 0.12 = 2.5 x THR's: not met.
        var againstLr = TeamGoal.Evaluate("planetlab", [Lr, Thr, Mad, R("prescient-reactive", 90, 0.003, 0.001, 300)]);
        Assert.False(againstLr.Met);
        Assert.False(againstLr.Check(TeamGoal.EsvCheck)!.Passed);
        Assert.Equal("THR-MMT-0.8", againstLr.Check(TeamGoal.EsvCheck)!.Reference);

        var met = TeamGoal.Evaluate("planetlab", [Lr, Thr, Mad, R("prescient-reactive", 90, 0.003, 0.001, 300), R("prescient-proactive-vm", 95, 0.0005, 0.001, 390, 1.25)]);
        Assert.True(met.Met);
        Assert.True(met.Judged);
        Assert.Equal("prescient-proactive-vm", met.Policy);
        // ESV: 95 x 0.0005 x 0.001 / (120 x 0.001 x 0.001) = 0.3958; migrations 390 / 800.
        Assert.Equal([0.95, 0.395833333333, 0.4875, 1.25], met.Checks.Select(c => Math.Round(c.Ratio!.Value, 12)));
        Assert.Equal(["LR-MMT-1.2", "THR-MMT-0.8", "MAD-MMT-2.5", "floor"], met.Checks.Select(c => c.Reference));
        Assert.Equal("goal (planetlab): prescient-proactive-vm energy 0.95x LR-MMT-1.2, ESV 0.40x THR-MMT-0.8, migrations 0.49x MAD-MMT-2.5, energy vs floor 1.25x floor: met", met.Describe());

        // Everything else met, but 1.4 x the floor: not met.
        var farFromFloor = TeamGoal.Evaluate("planetlab", [Lr, Thr, Mad, R("prescient-proactive-vm", 95, 0.0005, 0.001, 390, 1.4)], memoryEnforced: false);
        Assert.False(farFromFloor.Met);
        Assert.False(farFromFloor.Check(TeamGoal.FloorCheck)!.Passed);
        Assert.EndsWith("not met (informative: the goal is judged with --memory enforced)", farFromFloor.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_reference_is_met_only_by_zero_and_missing_policies_are_said()
    {
        var lr = R("LR-MMT-1.2", 10, 0, 0, 10);
        Assert.True(TeamGoal.Evaluate("bitbrains", [lr, R("prescient-reactive", 10, 0, 0, 5)]).Met);
        Assert.False(TeamGoal.Evaluate("bitbrains", [lr, R("prescient-reactive", 10, 0.1, 0.1, 5)]).Met);
        Assert.Contains("LR-MMT-1.2 was not run", TeamGoal.Evaluate("x", [R("prescient-reactive", 1, 0, 0, 1)]).Describe(), StringComparison.Ordinal);
        Assert.Contains("no Prescient policy", TeamGoal.Evaluate("x", [lr]).Describe(), StringComparison.Ordinal);
    }
}
