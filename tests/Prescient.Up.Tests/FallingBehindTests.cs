using System.Net.Http.Json;
using System.Text.Json;
using Prescient.Cli.Up;
using Xunit.Abstractions;

namespace Prescient.Up.Tests;

/// <summary>
/// A pipeline that cannot keep up with its clock (a 20-minute period every 0.12 s) evaluates every period anyway: its
/// simulated clock waits, and the run says how many periods it was behind.
/// </summary>
public sealed class FallingBehindTests(ITestOutputHelper output)
{
    [Fact]
    public async Task When_the_pipeline_falls_behind_the_clock_waits_and_no_period_goes_unevaluated()
    {
        var notices = new List<string>();
        await using var pipeline = await LocalPipeline.StartAsync(
            new LocalPipelineOptions { Speed = 10_000, Hosts = 4, ApiPort = 0 }, notice: notices.Add);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (pipeline.Activity.Cycles < 12 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        await pipeline.StopDecidingAsync(TimeSpan.FromSeconds(30));
        var activity = pipeline.Activity;
        output.WriteLine($"{activity.Cycles} cycles from {pipeline.RunStartedAt:HH:mm} to {activity.SimulatedNow:HH:mm}, {activity.PeriodsBehind} periods behind");
        Assert.True(activity.Cycles >= 12, $"only {activity.Cycles} cycles");

        // Every period from the first to the last evaluated has its decision, for every host: none skipped.
        using var api = new HttpClient { BaseAddress = pipeline.ApiAddress };
        var decisions = (await api.GetFromJsonAsync<JsonElement>("api/decisions?host=host-01&limit=1000")).GetProperty("decisions").EnumerateArray()
            .Select(d => d.GetProperty("at").GetDateTimeOffset()).Where(t => t >= pipeline.RunStartedAt).ToList();
        var periods = decisions.Select(t => t.Ticks / TimeSpan.FromMinutes(20).Ticks).Distinct().Order().ToList();
        output.WriteLine($"host-01: {decisions.Count} decisions in {periods.Count} periods");
        Assert.Equal(activity.Cycles, periods.Count);
        Assert.Equal(periods.Count, periods[^1] - periods[0] + 1);

        // It could not keep up, and said so.
        Assert.True(activity.PeriodsBehind > 0, "the pipeline kept up at 10000x: the test shows nothing");
        Assert.Contains(notices, n => n.StartsWith("Falling behind", StringComparison.Ordinal));
    }
}
