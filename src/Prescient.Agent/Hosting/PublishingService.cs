using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;
using Prescient.Agent.Publishing;

namespace Prescient.Agent.Hosting;

/// <summary>
/// Sends sealed batches from the disk buffer, oldest first, one at a time; deletes each only after the transport
/// accepted it. While the transport is down it backs off exponentially (with jitter) and the batches wait on disk.
/// </summary>
internal sealed class PublishingService(
    IOptions<AgentOptions> options,
    DiskBuffer buffer,
    AgentTransport transport,
    TimeProvider time,
    ILogger<PublishingService> logger) : BackgroundService
{
    /// <summary>
    /// On stop (after sampling stopped and sealed its open batch): one last attempt to send what is buffered, within
    /// <see cref="AgentOptions.ShutdownFlushTimeout"/>; whatever is not sent stays on disk for the next start.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var flushTimeout = options.Value.ShutdownFlushTimeout;
        if (flushTimeout <= TimeSpan.Zero)
        {
            return;
        }

        using var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        flush.CancelAfter(flushTimeout);
        var sent = 0;
        try
        {
            while (buffer.PeekOldest() is { } batch)
            {
                await transport.Publisher.PublishAsync(batch.Batch, flush.Token);
                buffer.Remove(batch);
                sent++;
            }
        }
        catch (Exception exception) when (exception is not ArgumentException)
        {
            // The transport is down or the time is up: the rest waits on disk.
        }

        AgentLog.Flushed(logger, sent, buffer.PendingBatches);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        AgentLog.PublishingTo(logger, transport.Description);
        var failures = 0;
        var delay = settings.RetryInitialDelay;
        var outageStart = 0L;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batch = buffer.PeekOldest();
                if (batch is null)
                {
                    await buffer.WaitForBatchAsync(stoppingToken);
                    continue;
                }

                try
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    attempt.CancelAfter(settings.PublishTimeout);
                    await transport.Publisher.PublishAsync(batch.Batch, attempt.Token);
                    buffer.Remove(batch);
                    if (failures > 0)
                    {
                        AgentLog.TransportBack(logger, failures, time.GetElapsedTime(outageStart), buffer.PendingBatches);
                    }

                    failures = 0;
                    delay = settings.RetryInitialDelay;
                    AgentLog.Published(logger, batch.FirstSequence, batch.LastSequence, buffer.PendingBatches);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    buffer.Release(batch);
                    break;
                }
                catch (ArgumentException exception)
                {
                    // The pipeline's publishers throw this for a sample that can never fit the transport.
                    AgentLog.BatchRejected(logger, batch.FirstSequence, batch.LastSequence, exception.Message);
                    buffer.Reject(batch, exception.Message);
                }
                catch (Exception exception)
                {
                    buffer.Release(batch);
                    if (failures == 0)
                    {
                        outageStart = time.GetTimestamp();
                    }

                    failures++;
                    var wait = Jitter(delay);
                    if (failures == 1 || IsPowerOfTwo(failures))
                    {
                        AgentLog.TransportDown(logger, failures, Describe(exception), buffer.PendingBatches, buffer.PendingBytes, wait);
                    }

                    await Task.Delay(wait, time, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.RetryMaxDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        AgentLog.PublishingStopped(logger, buffer.PendingBatches);
    }

    private static bool IsPowerOfTwo(int value) => (value & (value - 1)) == 0;

    private static TimeSpan Jitter(TimeSpan delay) =>
#pragma warning disable CA5394 // Jitter spreads retries of many agents; it needs no cryptographic randomness.
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + (0.4 * Random.Shared.NextDouble()))));
#pragma warning restore CA5394

    /// <summary>The exception's type and first line: SDK messages can run to many lines of (redacted) headers.</summary>
    private static string Describe(Exception exception)
    {
        var message = exception.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return $"{exception.GetType().Name}: {(newline < 0 ? message : message[..newline].TrimEnd())}";
    }
}
