using Prescient.Cli.Bench;
using Prescient.Simulation.Tests.Consolidation;

namespace Prescient.Simulation.Tests.Cli;

public class ConsolidationCommandTests
{
    private static (int ExitCode, string Output) Run(params string[] args) => CliRunner.Run(config => config.AddBenchCommands(), args);

    [Fact]
    public void A_missing_family_folder_is_an_error_listing_what_the_data_folder_holds()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(Path.Combine(tmp.Path, "planetlab"));
        Directory.CreateDirectory(Path.Combine(tmp.Path, "azure-v1"));

        var (code, output) = Run("bench", "consolidation", "--family", "bitbrains", "--data", tmp.Path);

        Assert.Equal(2, code);
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.Contains("bitbrains-rnd", output, StringComparison.Ordinal);
        Assert.Contains("azure-v1, planetlab", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_family_is_an_error_naming_the_known_ones()
    {
        var (code, output) = Run("bench", "consolidation", "--family", "google2019");

        Assert.Equal(2, code);
        Assert.Contains("Unknown trace family 'google2019'", output, StringComparison.Ordinal);
        Assert.Contains("planetlab, bitbrains, alibaba, azure-v1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_family_run_prints_day_and_median_tables_and_the_goal_verdict()
    {
        using var tmp = new TempFolder();
        var cpu = Enumerable.Range(0, 10).Select(v => Enumerable.Range(0, 288).Select(k => 5.0 + (v * 3) + (k % 7)).ToArray()).ToArray();
        tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));

        var (code, output) = Run("bench", "consolidation", "--family", "azure-v1", "--data", tmp.Path, "--policies", "LR-MMT-1.2,prescient-reactive", "--parallel", "1");

        Assert.True(code == 0, output);
        Assert.Contains("Day azure-v1/2017-01-01", output, StringComparison.Ordinal);
        Assert.Contains("Median over 1 day(s) (azure-v1: 8 hosts, 10 VMs; energy floor ", output, StringComparison.Ordinal);
        Assert.Contains("Team goal per family (informative: judged with --memory enforced)", output, StringComparison.Ordinal);
        Assert.Matches(@"azure-v1\s+prescient-reactive\s+\d+\.\d\d (pass|FAIL) \(LR-MMT-1\.2\)", output);

        var (badDay, dayOutput) = Run("bench", "consolidation", "--family", "azure-v1", "--data", tmp.Path, "--days", "2017-02-01");
        Assert.Equal(2, badDay);
        Assert.Contains("azure-v1/2017-01-01", dayOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Prescient_options_switch_the_named_extensions_on_and_an_unknown_one_is_an_error()
    {
        using var tmp = new TempFolder();
        var cpu = Enumerable.Range(0, 10).Select(v => Enumerable.Range(0, 288).Select(k => 5.0 + (v * 3) + (k % 7)).ToArray()).ToArray();
        tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));
        string[] common = ["bench", "consolidation", "--family", "azure-v1", "--data", tmp.Path, "--policies", "LR-MMT-1.2,prescient-reactive", "--parallel", "1"];

        var (plain, plainOutput) = Run(common);
        Assert.True(plain == 0, plainOutput);
        Assert.DoesNotContain("consolidate when the fleet fits", plainOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("wake G5 hosts before G4", plainOutput, StringComparison.Ordinal);

        var (code, output) = Run([.. common, "--prescient-options", "wake-efficient-first,fleet-fit-reduce-power"]);
        Assert.True(code == 0, output);
        Assert.Contains("wake G5 hosts before G4", output, StringComparison.Ordinal);
        Assert.Contains("consolidate when the fleet fits", output, StringComparison.Ordinal);

        var (bad, badOutput) = Run([.. common, "--prescient-options", "pack-harder"]);
        Assert.Equal(2, bad);
        Assert.Contains("Unknown Prescient extension 'pack-harder'", badOutput, StringComparison.Ordinal);
        Assert.Contains("fleet-fit-reduce-power, wake-efficient-first", badOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Charts_are_written_per_family_and_named_after_the_cloudsim_mode()
    {
        using var tmp = new TempFolder();
        var cpu = Enumerable.Range(0, 10).Select(v => Enumerable.Range(0, 288).Select(k => 5.0 + (v * 3) + (k % 7)).ToArray()).ToArray();
        tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));
        var charts = Path.Combine(tmp.Path, "charts");
        string[] common = ["bench", "consolidation", "--family", "azure-v1", "--data", tmp.Path, "--policies", "LR-MMT-1.2,prescient-reactive", "--parallel", "1", "--charts", charts];

        var (code, output) = Run(common);
        Assert.True(code == 0, output);
        Assert.Equal(["consolidation-azure-v1-energy-per-day.png", "consolidation-azure-v1-medians.png"], Directory.GetFiles(charts).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var (cloudSim, cloudSimOutput) = Run([.. common, "--cloudsim"]);
        Assert.True(cloudSim == 0, cloudSimOutput);
        Assert.Contains("; CloudSim 3.0.3 reproduction", cloudSimOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(charts, "consolidation-azure-v1-cloudsim-medians.png")));
    }

    [Fact]
    public void With_several_families_one_whose_traces_are_missing_or_unusable_is_skipped_and_said()
    {
        using var tmp = new TempFolder();
        var cpu = Enumerable.Range(0, 10).Select(v => Enumerable.Range(0, 288).Select(k => 5.0 + (v * 3) + (k % 7)).ToArray()).ToArray();
        tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));
        // Alibaba: one machine, half a day: no day is covered.
        tmp.File("alibaba2018/machine_usage.csv", SyntheticFamilies.Alibaba(Enumerable.Range(0, 144).Select(i => ("m1", 300L * i, 20.0))));

        var (code, output) = Run("bench", "consolidation", "--family", "all", "--data", tmp.Path, "--policies", "LR-MMT-1.2,prescient-reactive", "--parallel", "1");

        Assert.True(code == 0, output);
        Assert.Contains("note: planetlab: skipped: Trace family 'planetlab' needs", output, StringComparison.Ordinal);
        Assert.Contains("note: bitbrains: skipped:", output, StringComparison.Ordinal);
        Assert.Contains("note: alibaba: skipped:", output, StringComparison.Ordinal);
        Assert.Contains("no day that a VM covers", output, StringComparison.Ordinal);
        Assert.Contains("Day azure-v1/2017-01-01", output, StringComparison.Ordinal);

        // Named alone, the unusable family is an error.
        var (alone, aloneOutput) = Run("bench", "consolidation", "--family", "alibaba", "--data", tmp.Path, "--parallel", "1");
        Assert.Equal(2, alone);
        Assert.Contains("error:", aloneOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_enforced_runs_every_policy_prints_the_floor_and_judges_the_goal()
    {
        using var tmp = new TempFolder();
        var cpu = Enumerable.Range(0, 10).Select(v => Enumerable.Range(0, 288).Select(k => 5.0 + (v * 3) + (k % 7)).ToArray()).ToArray();
        tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));
        string[] common = ["bench", "consolidation", "--family", "azure-v1", "--data", tmp.Path, "--parallel", "2"];

        var (code, output) = Run([.. common, "--memory", "enforced", "--host-ram-mb", "4096"]);

        Assert.True(code == 0, output);
        Assert.Contains("mode: memory enforced (4096 MB per host, every placement and move, every policy)", output, StringComparison.Ordinal);
        Assert.Matches(@"Median over 1 day\(s\) \(azure-v1: 8 hosts, 10 VMs; energy floor \d+\.\d\d kWh\)", output);
        Assert.Contains("azure-v1: ratios to the best baseline on each metric", output, StringComparison.Ordinal);
        Assert.Contains("Team goal per family (judged: memory enforced)", output, StringComparison.Ordinal);
        Assert.Matches(@"azure-v1\s+prescient-\S+\s+.*(PASS|FAIL)", output);

        var (bad, badOutput) = Run([.. common, "--memory", "lots"]);
        Assert.NotEqual(0, bad);
        Assert.Contains("--memory must be ccpe or enforced, not 'lots'", badOutput, StringComparison.Ordinal);
        var (noMode, noModeOutput) = Run([.. common, "--host-ram-mb", "8192"]);
        Assert.NotEqual(0, noMode);
        Assert.Contains("--host-ram-mb needs --memory enforced", noModeOutput, StringComparison.Ordinal);
    }
}
