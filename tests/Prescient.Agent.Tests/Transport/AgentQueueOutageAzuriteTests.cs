using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;

namespace Prescient.Agent.Tests.Transport;

/// <summary>
/// The agent publishing to a real Azurite queue, the pipeline's ingest turning the messages into windows, and
/// Azurite going away for a while: nothing taken meanwhile may be lost or counted twice.
/// </summary>
[Collection(AzuriteTestsCollection.Name)]
public sealed class AgentQueueOutageAzuriteTests(RestartableAzuriteFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Every_sample_taken_while_Azurite_is_down_arrives_exactly_once_in_the_windows()
    {
        const string HostId = "outage-host";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var azurite = fixture.Azurite;
        await azurite.EnsureRunningAsync();
        output.WriteLine($"azurite up {clock.Elapsed}");
        await using var pipeline = await PipelineSide.StartAsync(azurite);
        using var folder = new TempDirectory();
        var agent = InProcessAgent.Start(HostId, azurite.ConnectionString, pipeline.QueueName, folder.Path);

        // The whole path works.
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= 8, TimeSpan.FromSeconds(30), "the first samples in the windows");

        output.WriteLine($"first samples {clock.Elapsed}");
        await azurite.StopAsync();
        output.WriteLine($"azurite stopped {clock.Elapsed}");
        var takenBeforeOutage = agent.Samples.Count;
        await agent.WaitForSamplesAsync(takenBeforeOutage + 15, TimeSpan.FromSeconds(20));
        Assert.Contains(agent.Logs, e => e.EventId.Id == 302);
        var takenDuringOutage = agent.Samples.Skip(takenBeforeOutage).ToList();
        Assert.True(Directory.GetFiles(folder.Path, "batch-*.json").Length > 0, "Batches wait on disk during the outage.");

        output.WriteLine($"outage samples {clock.Elapsed}");
        await azurite.RestartAsync();
        output.WriteLine($"azurite restarted {clock.Elapsed}");
        await Eventually.TrueAsync(
            async () => await pipeline.CountAsync(HostId) >= takenBeforeOutage + takenDuringOutage.Count,
            TimeSpan.FromSeconds(30),
            "the outage's samples in the windows");
        Assert.Contains(agent.Logs, e => e.EventId.Id == 303);

        output.WriteLine($"caught up {clock.Elapsed}");
        Assert.Equal(ExitCodes.Ok, await agent.StopAsync());
        output.WriteLine($"agent stopped {clock.Elapsed}");
        Assert.Empty(Directory.GetFiles(folder.Path, "batch-*.json"));
        Assert.False(File.Exists(Path.Combine(folder.Path, DiskBuffer.OpenFileName)));

        var taken = agent.Samples;
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= taken.Count, TimeSpan.FromSeconds(30), "every sample in the windows");
        output.WriteLine($"all in {clock.Elapsed}");
        ExactlyOnce.AssertWindowsMatch(taken, await pipeline.WindowsAsync(HostId));
        var start = taken[0].Sequence;
        Assert.Equal([.. Enumerable.Range(0, taken.Count).Select(i => start + i)], taken.Select(s => s.Sequence));

        // The connection string's key never reaches the logs.
        var key = RestartableAzurite.AccountKeyOf(azurite.ConnectionString);
        Assert.DoesNotContain(agent.Logs, e => e.Message.Contains(key, StringComparison.Ordinal) || e.Values.Values.Any(v => v?.ToString()?.Contains(key, StringComparison.Ordinal) == true));
    }
}

/// <summary>One Azurite persisting to a folder on fixed ports, stopped and restarted by the tests (one at a time).</summary>
public sealed class RestartableAzuriteFixture : IAsyncLifetime
{
    private RestartableAzurite? _azurite;

    internal RestartableAzurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite is not started.");

    public async Task InitializeAsync() => _azurite = await RestartableAzurite.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteTestsCollection : ICollectionFixture<RestartableAzuriteFixture>
{
    public const string Name = "Azurite outages";
}
