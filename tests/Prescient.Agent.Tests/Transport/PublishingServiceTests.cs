using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;
using Prescient.Agent.Hosting;
using Prescient.Agent.Publishing;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests.Transport;

public sealed class PublishingServiceTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Batches_wait_through_failures_and_go_out_in_order_exactly_once()
    {
        var publisher = new ScriptedPublisher(failFirst: 3);
        using var buffer = DiskBuffer.Open(_folder.Path, "h", new BufferLimits(1 << 20, 100), _logs.CreateLogger("b"));
        for (var i = 0; i < 9; i++)
        {
            buffer.Append(new TelemetrySample(0, DateTimeOffset.UtcNow, 0.5, 0.5, 0), 3);
        }

        using var service = NewService(buffer, publisher);
        await service.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(buffer.PendingBatches == 0), TimeSpan.FromSeconds(20), "the buffer to drain");
        await service.StopAsync(CancellationToken.None);

        Assert.Equal(4 + 2, publisher.Calls);
        Assert.Equal([0L, 3, 6], publisher.Delivered.Select(b => b.Samples[0].Sequence));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 302 && e.Level == LogLevel.Warning);
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 303);
    }

    [Fact]
    public async Task A_batch_the_transport_refuses_for_good_is_set_aside_and_the_rest_go_on()
    {
        var publisher = new ScriptedPublisher(failFirst: 0) { RefuseFirstSequence = 0 };
        using var buffer = DiskBuffer.Open(_folder.Path, "h", new BufferLimits(1 << 20, 100), _logs.CreateLogger("b"));
        for (var i = 0; i < 4; i++)
        {
            buffer.Append(new TelemetrySample(0, DateTimeOffset.UtcNow, 0.5, 0.5, 0), 2);
        }

        using var service = NewService(buffer, publisher);
        await service.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(buffer.PendingBatches == 0), TimeSpan.FromSeconds(20), "the buffer to drain");
        await service.StopAsync(CancellationToken.None);

        Assert.Equal([2L], publisher.Delivered.Select(b => b.Samples[0].Sequence));
        Assert.Single(Directory.GetFiles(Path.Combine(_folder.Path, DiskBuffer.RejectedFolderName)));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 304 && e.Level == LogLevel.Error);
    }

    [LinuxFact]
    public async Task Sampling_that_keeps_failing_stops_the_agent_with_exit_code_1_for_systemd_to_restart()
    {
        var proc = Directory.CreateDirectory(_folder.Sub("proc")).FullName;
        File.Copy("/proc/stat", Path.Combine(proc, "stat"));
        File.Copy("/proc/meminfo", Path.Combine(proc, "meminfo"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = AgentApplication.RunAsync([], new AgentRunContext
        {
            IgnoreEnvironment = true,
            Stopping = stop.Token,
            Error = TextWriter.Null,
            ConfigureLogging = logging => logging.AddProvider(_logs),
            Settings = new Dictionary<string, string?>
            {
                ["Agent:ProcPath"] = proc,
                ["Agent:SampleInterval"] = "00:00:00.100",
                ["Agent:BufferDirectory"] = _folder.Sub("buffer"),
                ["Agent:ShutdownFlushTimeout"] = "00:00:00",
                ["Agent:Transport:Kind"] = "StorageQueue",
                ["Agent:Transport:StorageQueue:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;",
                ["Agent:Transport:StorageQueue:QueueName"] = "telemetry",
            },
        });

        await Eventually.TrueAsync(() => Task.FromResult(_logs.Entries.Any(e => e.EventId.Id == 200)), TimeSpan.FromSeconds(20), "sampling to start");
        File.Delete(Path.Combine(proc, "stat"));

        Assert.Equal(ExitCodes.Failure, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 400 && e.Level == LogLevel.Critical);
        Assert.Equal(SamplingService.MaxConsecutiveFailures, _logs.Entries.Count(e => e.EventId.Id == 202));
    }

    private PublishingService NewService(DiskBuffer buffer, ITelemetryPublisher publisher) => new(
        Options.Create(new AgentOptions
        {
            RetryInitialDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
            ShutdownFlushTimeout = TimeSpan.Zero,
        }),
        buffer,
        new AgentTransport(publisher, "scripted", resource: null),
        TimeProvider.System,
        new Logger<PublishingService>(new LoggerFactory([_logs])));

    private sealed class ScriptedPublisher(int failFirst) : ITelemetryPublisher
    {
        private readonly ConcurrentQueue<TelemetryBatch> _delivered = new();
        private int _calls;

        public long? RefuseFirstSequence { get; init; }

        public int Calls => _calls;

        public IReadOnlyList<TelemetryBatch> Delivered => _delivered.ToArray();

        public Task PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) <= failFirst)
            {
                throw new HttpRequestException("Connection refused (127.0.0.1:1)");
            }

            if (batch.Samples[0].Sequence == RefuseFirstSequence)
            {
                throw new ArgumentException("Sample 0 needs 70000 bytes on its own, more than the transport's limit.");
            }

            _delivered.Enqueue(batch);
            return Task.CompletedTask;
        }
    }
}
