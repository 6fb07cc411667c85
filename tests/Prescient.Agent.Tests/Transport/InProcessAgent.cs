using Microsoft.Extensions.Logging;
using Prescient.Agent.Hosting;
using Prescient.Core.Calendar;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests.Transport;

/// <summary>The agent (the same entry point as the executable) running in the test process, with its logs captured.</summary>
internal sealed class InProcessAgent
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly Task<int> _run;

    private InProcessAgent(IReadOnlyDictionary<string, string?> settings)
    {
        _run = Task.Run(() => AgentApplication.RunAsync([], new AgentRunContext
        {
            IgnoreEnvironment = true,
            Settings = settings,
            Stopping = _stop.Token,
            Error = TextWriter.Null,
            ConfigureLogging = logging =>
            {
                logging.SetMinimumLevel(LogLevel.Debug);
                logging.AddProvider(_logs);
            },
        }));
    }

    public IReadOnlyList<LogEntry> Logs => _logs.Entries;

    /// <summary>Every sample the agent took (event 201), with its exact values.</summary>
    public IReadOnlyList<TelemetrySample> Samples =>
        Logs.Where(e => e.EventId.Id == 201)
            .Select(e => new TelemetrySample((long)e.Values["Sequence"]!, (DateTimeOffset)e.Values["Timestamp"]!, (double)e.Values["Cpu"]!, (double)e.Values["Mem"]!, (double)e.Values["Io"]!))
            .ToList();

    public static InProcessAgent Start(string hostId, string connectionString, string queueName, string bufferDirectory) =>
        new(new Dictionary<string, string?>
        {
            ["Agent:HostId"] = hostId,
            ["Agent:SampleInterval"] = "00:00:00.100",
            ["Agent:SamplesPerBatch"] = "4",
            ["Agent:BufferDirectory"] = bufferDirectory,
            ["Agent:RetryInitialDelay"] = "00:00:00.100",
            ["Agent:RetryMaxDelay"] = "00:00:00.400",
            ["Agent:PublishTimeout"] = "00:00:05",
            ["Agent:ShutdownFlushTimeout"] = "00:00:10",
            ["Agent:Transport:Kind"] = "StorageQueue",
            ["Agent:Transport:StorageQueue:ConnectionString"] = connectionString,
            ["Agent:Transport:StorageQueue:QueueName"] = queueName,
        });

    /// <summary>Stops like SIGTERM (seal, flush) and returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task WaitForSamplesAsync(int count, TimeSpan timeout)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Samples.Count >= count), timeout, $"the agent to take {count} samples (took {Samples.Count})");
    }
}

internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}

internal static class ExactlyOnce
{
    /// <summary>
    /// The stored windows are exactly the samples taken: every sequence once (no loss, no double count), and per
    /// period the same count, sum and max as computed from the agent's own record of its samples.
    /// </summary>
    public static void AssertWindowsMatch(IReadOnlyList<TelemetrySample> taken, IReadOnlyList<StoredWindow> windows)
    {
        var sequences = windows
            .SelectMany(w => w.Sequences)
            .SelectMany(r => LongRange(r.First, r.Last))
            .Order()
            .ToList();
        Assert.Equal(taken.Select(s => s.Sequence).Order(), sequences);

        var expected = taken
            .GroupBy(s => PeriodCalendar.Default.PeriodOf(s.Timestamp))
            .ToDictionary(g => g.Key, g => (Count: g.Count(), Sum: g.Sum(s => s.Cpu), Max: g.Max(s => s.Cpu)));
        Assert.Equal(expected.Keys.Order(), windows.Select(w => w.Period));
        foreach (var window in windows)
        {
            Assert.Equal(expected[window.Period].Count, window.Count);
            // The store keeps each sample to the nanounit (exact integer sums), so a window's sum may differ from the
            // double sum by half a nanounit per sample: compare within that, not by rounding (which can straddle).
            Assert.Equal(expected[window.Period].Sum, window.Sum, tolerance: (window.Count * 1e-9) + 1e-12);
            Assert.Equal(expected[window.Period].Max, window.Max, tolerance: 1e-9);
        }
    }

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var i = first; i <= last; i++)
        {
            yield return i;
        }
    }
}
