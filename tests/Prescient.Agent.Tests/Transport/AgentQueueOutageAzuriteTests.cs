using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;

namespace Prescient.Agent.Tests.Transport;

/// <summary>
/// The agent publishing to a real Azurite queue, the pipeline's ingest turning the messages into windows, and
/// Azurite going away for a while: nothing taken meanwhile may be lost or counted twice.
/// </summary>
[Collection(AzuriteTestsCollection.Name)]
public sealed class AgentQueueOutageAzuriteTests
{
    [Fact]
    public async Task Every_sample_taken_while_Azurite_is_down_arrives_exactly_once_in_the_windows()
    {
        const string HostId = "outage-host";
        await using var azurite = await RestartableAzurite.StartAsync();
        await using var pipeline = await PipelineSide.StartAsync(azurite);
        using var folder = new TempDirectory();
        var agent = InProcessAgent.Start(HostId, azurite.ConnectionString, pipeline.QueueName, folder.Path);

        // The whole path works.
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= 8, TimeSpan.FromSeconds(30), "the first samples in the windows");

        await azurite.StopAsync();
        var takenBeforeOutage = agent.Samples.Count;
        await agent.WaitForSamplesAsync(takenBeforeOutage + 15, TimeSpan.FromSeconds(20));
        Assert.Contains(agent.Logs, e => e.EventId.Id == 302);
        var takenDuringOutage = agent.Samples.Skip(takenBeforeOutage).ToList();
        Assert.True(Directory.GetFiles(folder.Path, "batch-*.json").Length > 0, "Batches wait on disk during the outage.");

        await azurite.RestartAsync();
        await Eventually.TrueAsync(
            async () => await pipeline.CountAsync(HostId) >= takenBeforeOutage + takenDuringOutage.Count,
            TimeSpan.FromSeconds(30),
            "the outage's samples in the windows");
        Assert.Contains(agent.Logs, e => e.EventId.Id == 303);

        Assert.Equal(ExitCodes.Ok, await agent.StopAsync());
        Assert.Empty(Directory.GetFiles(folder.Path, "batch-*.json"));
        Assert.False(File.Exists(Path.Combine(folder.Path, DiskBuffer.OpenFileName)));

        var taken = agent.Samples;
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= taken.Count, TimeSpan.FromSeconds(30), "every sample in the windows");
        ExactlyOnce.AssertWindowsMatch(taken, await pipeline.WindowsAsync(HostId));
        Assert.Equal([.. Enumerable.Range(0, taken.Count).Select(i => (long)i)], taken.Select(s => s.Sequence));
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteTestsCollection
{
    /// <summary>The Azurite-backed tests run one after the other (each starts its own Azurite on its own ports).</summary>
    public const string Name = "Azurite outages";
}
