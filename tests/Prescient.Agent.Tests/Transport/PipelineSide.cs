using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests.Transport;

/// <summary>
/// The pipeline's side of the local transport, as the pipeline ships it: its queue drainer and ingest, storing
/// 20-minute windows in Azurite's tables. Drains in the background and shrugs off Azurite outages (it retries).
/// </summary>
internal sealed class PipelineSide : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly WindowStore _windows;
    private readonly Task _loop;

    private PipelineSide(PrescientStorage storage)
    {
        Storage = storage;
        _windows = new WindowStore(storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu);
        var ingestor = new TelemetryIngestor(
            new TelemetryValidator(TimeProvider.System),
            _windows,
            new DeadLetterStore(storage.Table(n => n.DeadLetters), TimeProvider.System),
            new HostStateStore(storage.Table(n => n.Hosts)),
            TimeProvider.System,
            NullLogger<TelemetryIngestor>.Instance);

        // A short visibility timeout: a message received just before an outage reappears quickly.
        var drainer = new QueueTelemetryDrainer(Queue, ingestor, NullLogger<QueueTelemetryDrainer>.Instance)
        {
            VisibilityTimeout = TimeSpan.FromSeconds(3),
        };
        _loop = Task.Run(() => DrainLoopAsync(drainer, _stop.Token));
    }

    public PrescientStorage Storage { get; }

    public QueueClient Queue => Storage.Queues.GetQueueClient(Storage.Names.TelemetryQueue);

    public string QueueName => Storage.Names.TelemetryQueue;

    public int DrainFailures { get; private set; }

    public static async Task<PipelineSide> StartAsync(RestartableAzurite azurite)
    {
        var storage = azurite.Storage("a" + Guid.NewGuid().ToString("N")[..10]);
        await storage.EnsureCreatedAsync(CancellationToken.None);
        return new PipelineSide(storage);
    }

    public async Task<IReadOnlyList<StoredWindow>> WindowsAsync(string hostId) =>
        await _windows.GetAsync(hostId, new PeriodKey(new DateOnly(2000, 1, 1), 0), new PeriodKey(new DateOnly(2100, 1, 1), 0), CancellationToken.None);

    /// <summary>Samples counted so far for the host (0 while Azurite is down).</summary>
    public async Task<int> CountAsync(string hostId)
    {
        try
        {
            return (await WindowsAsync(hostId)).Sum(w => w.Count);
        }
        catch (Exception exception) when (exception is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task DrainLoopAsync(QueueTelemetryDrainer drainer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await drainer.DrainAsync(1_000, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Azurite is down: the messages wait in the queue.
                DrainFailures++;
            }

            try
            {
                await Task.Delay(150, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
