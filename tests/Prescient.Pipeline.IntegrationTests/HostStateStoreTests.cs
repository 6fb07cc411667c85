namespace Prescient.Pipeline.IntegrationTests;

/// <summary>The evaluator's controller write on Azurite: other jobs' columns do not make it lose a decision.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostStateStoreTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task An_ingest_between_read_and_write_does_not_drop_the_decision_but_a_second_evaluation_of_the_cycle_does()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var hosts = harness.Hosts;
        var at = PipelineHarness.Now;
        Assert.True(await hosts.TryUpdateControllerAsync("h1", "Reactive", "{\"v\":1}", "first", at, "c1", null, default, CancellationToken.None));

        // Evaluator A reads the row for cycle c2; meanwhile ingest and retrain merge their own columns (new ETag).
        var read = await hosts.GetAsync("h1", CancellationToken.None);
        Assert.NotNull(read);
        await hosts.TouchAsync(["h1"], at.AddMinutes(1), CancellationToken.None);
        await hosts.SetPowerStateAsync("h1", "On", CancellationToken.None);

        Assert.True(await hosts.TryUpdateControllerAsync(
            "h1", "Proactive", "{\"v\":2}", "second", at.AddMinutes(2), "c2", null, read.ETag, CancellationToken.None, read.ControllerStateJson));

        // Evaluator B read the same row for the same cycle: its write is refused and changes nothing.
        Assert.False(await hosts.TryUpdateControllerAsync(
            "h1", "Reactive", "{\"v\":3}", "third", at.AddMinutes(2), "c2", null, read.ETag, CancellationToken.None, read.ControllerStateJson));

        var after = await hosts.GetAsync("h1", CancellationToken.None);
        Assert.Equal(("Proactive", "{\"v\":2}", "second"), (after!.ControllerMode, after.ControllerStateJson, after.LastDecision));
        Assert.Equal(at.AddMinutes(1), after.LastIngestAt);
        Assert.Equal("On", after.PowerState);
    }
}
