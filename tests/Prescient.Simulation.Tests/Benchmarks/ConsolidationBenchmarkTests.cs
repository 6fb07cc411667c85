using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Benchmarks;

public class ConsolidationBenchmarkTests
{
    [Fact]
    public void A_missing_trace_folder_is_a_clear_error()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => ConsolidationBenchmark.ResolveDays("/nonexistent/planetlab", []));
        Assert.Contains("--traces", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_day_or_policy_is_a_clear_error()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "20110303"));
            Assert.Equal(["20110303"], ConsolidationBenchmark.ResolveDays(dir.FullName, []));
            Assert.Throws<ArgumentException>(() => ConsolidationBenchmark.ResolveDays(dir.FullName, ["20990101"]));
            Assert.Throws<ArgumentException>(() => ConsolidationBenchmark.SelectPolicies(ConsolidationBenchmark.AllPolicies(), ["NOPE-1"]));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Policies_are_named_as_in_the_paper()
    {
        var names = ConsolidationBenchmark.AllPolicies().Select(f => f().Name).ToList();
        Assert.Equal(["THR-MMT-0.8", "IQR-MMT-1.5", "MAD-MMT-2.5", "LR-MMT-1.2", "LRR-MMT-1.2", "oracle", "prescient-reactive", "prescient-proactive-host", "prescient-proactive-vm", "prescient-proactive-forecast"], names);
    }

    [Fact]
    public void Medians_are_taken_per_metric_over_days()
    {
        ConsolidationResult R(double e, int m, double slatah, double pdm) => new() { Name = "p", Day = "d", Settings = "", EnergyKWh = e, Migrations = m, Slatah = slatah, Pdm = pdm };
        var median = ConsolidationBenchmark.Median([R(10, 5, 0.1, 0.01), R(30, 1, 0.3, 0.03), R(20, 9, 0.2, 0.02)]);
        Assert.Equal(20, median.EnergyKWh);
        Assert.Equal(5, median.Migrations);
        Assert.Equal(0.2 * 0.02, median.Slav, 15);
        Assert.Equal(20 * 0.2 * 0.02, median.Esv, 15);
    }

    [Fact]
    public void Every_policy_runs_a_small_synthetic_day_and_keeps_every_vm_placed()
    {
        // 40 VMs with a ramp and a daily-like wave on 40 hosts for 24 steps.
        var util = new double[40][];
        for (var v = 0; v < 40; v++)
        {
            util[v] = [.. Enumerable.Range(0, 24).Select(k => Math.Clamp(0.1 + (0.4 * Math.Sin((k + v) / 4.0) * Math.Sin((k + v) / 4.0)), 0, 1))];
        }

        var day = new PlanetLabDay("20260105", util);
        var simulator = new ConsolidationSimulator(new ConsolidationSetup { Hosts = 40 });
        foreach (var factory in ConsolidationBenchmark.AllPolicies())
        {
            var r = simulator.Run(day, factory());
            Assert.True(r.EnergyKWh > 0, r.Name);
            Assert.InRange(r.Slatah, 0, 1);
            Assert.InRange(r.Pdm, 0, 1);
        }
    }
}
