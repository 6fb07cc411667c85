using System.Text.Json.Nodes;
using Prescient.Cli.Simulate;

namespace Prescient.Simulation.Tests.Cli;

/// <summary>Runs <c>prescient simulate --scenario patent-day --json --out DIR</c> once, through the real command app.</summary>
public sealed class PatentDayRunFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public PatentDayRunFixture()
    {
        ReportFolder = Path.Combine(_folder.Path, "report");
        (ExitCode, Output) = SimulateCli.Run("simulate", "--scenario", "patent-day", "--json", "--out", ReportFolder);
        Json = JsonNode.Parse(Output)!.AsObject();
    }

    public string ReportFolder { get; }

    public int ExitCode { get; }

    public string Output { get; }

    public JsonObject Json { get; }

    public JsonObject Policy(string name) =>
        Json["policies"]!.AsArray().Single(p => (string?)p!["name"] == name)!.AsObject();

    public void Dispose() => _folder.Dispose();
}

internal static class SimulateCli
{
    public static (int ExitCode, string Output) Run(params string[] args) => CliRunner.Run(config => config.AddSimulate(), args);
}

public class SimulateCommandTests(PatentDayRunFixture run) : IClassFixture<PatentDayRunFixture>
{
    [Fact]
    public void Json_has_the_three_policies_with_their_headline_numbers()
    {
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("patent-day", (string?)run.Json["scenario"]);
        var names = run.Json["policies"]!.AsArray().Select(p => (string?)p!["name"]).ToList();
        Assert.Equal(["none", "reactive", "proactive"], names);
        foreach (var p in run.Json["policies"]!.AsArray())
        {
            foreach (var key in new[] { "name", "peakMeasured", "minutesAboveHigh", "migrations", "hostHoursPoweredDown", "predictionMae" })
            {
                Assert.True(p!.AsObject().ContainsKey(key), $"{key} missing");
            }
        }
    }

    [Fact]
    public void Without_migration_the_patent_host_saturates_and_nothing_moves()
    {
        var none = run.Policy("none");
        Assert.Equal(0, (int)none["migrations"]!);
        Assert.True((double)none["peakMeasured"]! > 0.95);
        Assert.True((double)none["minutesAboveHigh"]! > 120);
        Assert.Equal(0, (double)none["hostHoursPoweredDown"]!);
    }

    [Fact]
    public void Reactive_goes_above_the_high_threshold_and_migrates_more_than_once()
    {
        var reactive = run.Policy("reactive");
        var high = (double)run.Json["highThreshold"]!;
        Assert.Equal(0.80, high);
        Assert.True((double)reactive["peakMeasured"]! > high, $"reactive peak {reactive["peakMeasured"]}");
        Assert.True((double)reactive["minutesAboveHigh"]! > 0);
        var hostA = reactive["hosts"]!.AsArray().Single(h => (string?)h!["id"] == "host-a")!;
        Assert.True((int)hostA["migrationsAway"]! > 1);
        Assert.True((int)reactive["migrations"]! > 1);
    }

    [Fact]
    public void Proactive_stays_at_or_below_the_high_threshold_all_day_and_powers_the_host_down_in_the_evening()
    {
        var proactive = run.Policy("proactive");
        Assert.True((double)proactive["peakMeasured"]! <= 0.80, $"proactive peak {proactive["peakMeasured"]}");
        Assert.Equal(0, (double)proactive["minutesAboveHigh"]!);
        var hostA = proactive["hosts"]!.AsArray().Single(h => (string?)h!["id"] == "host-a")!;
        Assert.True((double)hostA["hoursPoweredDown"]! > 1, "host-a powered down in the evening");
        Assert.True((double)hostA["hoursPoweredDown"]! < 8, "only in the evening, not all night");
        Assert.InRange((double)proactive["predictionMae"]!, 0, 0.1);
    }

    [Fact]
    public void Report_folder_has_markdown_and_charts()
    {
        Assert.Equal(Path.GetFullPath(Path.Combine(run.ReportFolder, "README.md")), (string?)run.Json["report"]);
        var md = File.ReadAllText(Path.Combine(run.ReportFolder, "README.md"));
        Assert.Contains("| proactive |", md, StringComparison.Ordinal);
        Assert.Contains("![", md, StringComparison.Ordinal);
        foreach (var png in new[] { "comparison.png", "none-host-a.png", "reactive-host-a.png", "proactive-host-a.png", "proactive-fleet.png" })
        {
            var path = Path.Combine(run.ReportFolder, png);
            Assert.True(File.Exists(path), png);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.True(bytes.Length > 20_000, $"{png} is only {bytes.Length} bytes");
        }
    }

    [Fact]
    public void Unknown_scenario_is_a_clear_error()
    {
        var (code, output) = SimulateCli.Run("simulate", "--scenario", "nope", "--no-report");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown scenario 'nope'", output, StringComparison.Ordinal);
        Assert.Contains("patent-day", output, StringComparison.Ordinal);
    }
}

public class SimulateOptionsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("15")]
    public void Days_out_of_range_is_a_clear_error(string days)
    {
        var (code, output) = SimulateCli.Run("simulate", "--days", days, "--no-report");
        Assert.NotEqual(0, code);
        Assert.Contains("--days must be between 1 and 14", output, StringComparison.Ordinal);
    }
}

public class AlibabaDayTests
{
    [Fact]
    public void Missing_data_folder_is_a_clear_error()
    {
        var (code, output) = SimulateCli.Run("simulate", "--scenario", "alibaba-day", "--data", "/nonexistent/prescient-data", "--no-report");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }

    [Prescient.Simulation.Tests.Traces.RequiresSharedDataFact]
    public void Alibaba_day_replays_real_traces_under_the_three_policies()
    {
        var (code, output) = SimulateCli.Run("simulate", "--scenario", "alibaba-day", "--json", "--no-report");
        Assert.Equal(0, code);
        var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal("alibaba-day", (string?)json["scenario"]);
        var policies = json["policies"]!.AsArray();
        Assert.Equal(3, policies.Count);
        var none = policies.Single(p => (string?)p!["name"] == "none")!;
        Assert.Equal(0, (int)none["migrations"]!);
        Assert.InRange((double)none["peakMeasured"]!, 0.3, 1.0);
        Assert.All(policies, p => Assert.InRange((double)p!["predictionMae"]!, 0, 0.2));
    }
}
