using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;
using Xunit.Abstractions;

namespace Prescient.Agent.Tests.Transport;

/// <summary>
/// The real executable, killed (SIGKILL) while Azurite is down and started again on the same buffer: the samples of
/// both runs arrive exactly once, with sequences that kept increasing across the restart.
/// </summary>
[Collection(AzuriteTestsCollection.Name)]
public sealed class AgentRestartAzuriteTests(RestartableAzuriteFixture fixture, ITestOutputHelper output)
{
    [LinuxFact]
    public async Task Samples_buffered_across_an_agent_crash_and_restart_arrive_exactly_once()
    {
        const string HostId = "restart-host";
        var azurite = fixture.Azurite;
        await azurite.EnsureRunningAsync();
        await using var pipeline = await PipelineSide.StartAsync(azurite);
        using var folder = new TempDirectory();
        var environment = new Dictionary<string, string>
        {
            ["PRESCIENT_AGENT__HOSTID"] = HostId,
            ["PRESCIENT_AGENT__SAMPLEINTERVAL"] = "00:00:00.100",
            ["PRESCIENT_AGENT__SAMPLESPERBATCH"] = "4",
            ["PRESCIENT_AGENT__BUFFERDIRECTORY"] = folder.Path,
            ["PRESCIENT_AGENT__RETRYINITIALDELAY"] = "00:00:00.100",
            ["PRESCIENT_AGENT__RETRYMAXDELAY"] = "00:00:00.400",
            ["PRESCIENT_AGENT__PUBLISHTIMEOUT"] = "00:00:05",
            ["PRESCIENT_AGENT__SHUTDOWNFLUSHTIMEOUT"] = "00:00:10",
            ["PRESCIENT_AGENT__TRANSPORT__KIND"] = "StorageQueue",
            ["PRESCIENT_AGENT__TRANSPORT__STORAGEQUEUE__CONNECTIONSTRING"] = azurite.ConnectionString,
            ["PRESCIENT_AGENT__TRANSPORT__STORAGEQUEUE__QUEUENAME"] = pipeline.QueueName,
        };

        var installedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var first = AgentProcess.Start([], environment);
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= 8, TimeSpan.FromSeconds(40), "the first run's samples in the windows");

        await azurite.StopAsync();
        var beforeCrash = NextSequenceOnDisk(folder.Path);
        await Eventually.TrueAsync(
            () => Task.FromResult(PendingSequences(folder.Path) >= 10),
            TimeSpan.FromSeconds(20),
            "samples to pile up in the buffer during the outage");
        first.Kill();
        var (_, _, firstLog) = await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Transport unavailable", firstLog, StringComparison.Ordinal);
        var firstOpened = System.Text.RegularExpressions.Regex.Match(firstLog, @"opened: 0 batches \(0 bytes\) waiting; next sequence (\d+)");
        Assert.True(firstOpened.Success, firstLog);
        // A new install numbers its samples from the Unix time in ms, above anything an earlier install of the host sent.
        var start = long.Parse(firstOpened.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(start, installedAt, installedAt + 60_000);
        var pendingAtCrash = PendingSequences(folder.Path);
        var lastBufferedAtCrash = LastBufferedSequence(folder.Path);
        output.WriteLine($"sequence on disk before the crash {beforeCrash}; {pendingAtCrash} samples buffered at the crash");

        using var second = AgentProcess.Start([], environment);
        await Eventually.TrueAsync(
            () => Task.FromResult(PendingSequences(folder.Path) >= pendingAtCrash + 5),
            TimeSpan.FromSeconds(30),
            "the restarted agent to add samples while Azurite is still down");
        await azurite.RestartAsync();
        await Eventually.TrueAsync(
            () => Task.FromResult(PendingSequences(folder.Path) <= 8),
            TimeSpan.FromSeconds(30),
            "the buffer to drain after Azurite is back");

        await second.TerminateAsync();
        var (code, _, secondLog) = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == ExitCodes.Ok, secondLog);
        var opened = System.Text.RegularExpressions.Regex.Match(secondLog, @"opened: (\d+) batches \(\d+ bytes\) waiting; next sequence (\d+)");
        Assert.True(opened.Success, secondLog);
        Assert.True(int.Parse(opened.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "The restart found the crashed run's batches.");
        Assert.True(long.Parse(opened.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > lastBufferedAtCrash, "Sequences continue after the crashed run's.");
        Assert.Empty(Directory.GetFiles(folder.Path, "batch-*.json"));
        var key = RestartableAzurite.AccountKeyOf(azurite.ConnectionString);
        Assert.DoesNotContain(key, firstLog + secondLog, StringComparison.Ordinal);

        var total = NextSequenceOnDisk(folder.Path) - start;
        Assert.True(total > pendingAtCrash);
        await Eventually.TrueAsync(async () => await pipeline.CountAsync(HostId) >= total, TimeSpan.FromSeconds(30), $"all {total} samples in the windows");
        var windows = await pipeline.WindowsAsync(HostId);

        // Every sequence start..start+total-1 exactly once: nothing lost in the crash, nothing counted twice, no number reused.
        Assert.Equal(total, windows.Sum(w => w.Count));
        var sequences = windows.SelectMany(w => w.Sequences).SelectMany(r => Enumerable.Range(0, (int)(r.Last - r.First + 1)).Select(i => r.First + i)).Order();
        Assert.Equal(Enumerable.Range(0, (int)total).Select(i => start + i), sequences);
    }

    private static long NextSequenceOnDisk(string folder)
    {
        var path = Path.Combine(folder, DiskBuffer.SequenceFileName);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out var next) ? next : 0;
    }

    private static long LastBufferedSequence(string folder) =>
        Directory.GetFiles(folder, "batch-*.json")
            .Select(f => long.Parse(Path.GetFileNameWithoutExtension(f).Split('-')[2], System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1)
            .Max();

    /// <summary>Samples waiting in sealed batches (from the file names).</summary>
    private static long PendingSequences(string folder)
    {
        long count = 0;
        foreach (var file in Directory.GetFiles(folder, "batch-*.json"))
        {
            var parts = Path.GetFileNameWithoutExtension(file).Split('-');
            if (parts.Length == 3 && long.TryParse(parts[1], out var first) && long.TryParse(parts[2], out var last))
            {
                count += last - first + 1;
            }
        }

        return count;
    }
}
