using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

/// <summary>
/// Agents to windows through an Azure Storage queue, end to end: agents publish their batches (the agents' own
/// transport, one message per batch) while consumers drain the queue into the window store, as the Functions queue
/// trigger would. The clock runs from the first message sent to the last sample counted.
/// </summary>
internal static class QueueIngestRun
{
    /// <summary>
    /// Messages sent but not yet drained before agents wait. Azurite's queue slows down as messages pile up (Azure's
    /// does not), so the queue is kept short: the consumers always have a few rounds waiting.
    /// </summary>
    private const int MaxMessagesInFlight = 384;

    public sealed record Outcome(long Samples, int Messages, double Seconds)
    {
        public double SamplesPerSecond => Samples / Seconds;
    }

    /// <summary>
    /// Publishes batches <paramref name="firstBatch"/> onwards (<paramref name="batches"/> of them) of every host and runs <paramref name="consumers"/> loops of
    /// <paramref name="drainOnce"/> (which returns the samples it counted) until every sample is counted.
    /// </summary>
    public static async Task<Outcome> RunAsync(
        string label,
        QueueClient queue,
        BenchmarkFleet fleet,
        int firstBatch,
        int batches,
        Func<int, int, TelemetryBatch> batchOf,
        int samplesPerBatch,
        int consumers,
        Func<CancellationToken, Task<int>> drainOnce,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var publisher = new QueueTelemetryPublisher(queue);
        var total = (long)fleet.Hosts * batches * samplesPerBatch;
        long sent = 0, counted = 0;
        var messages = 0;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var producer = Parallel.ForEachAsync(
            Enumerable.Range(firstBatch, batches).SelectMany(b => Enumerable.Range(0, fleet.Hosts).Select(h => (b, h))),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = stop.Token },
            async (item, ct) =>
            {
                while (Interlocked.Read(ref sent) - Interlocked.Read(ref counted) > (long)MaxMessagesInFlight * samplesPerBatch)
                {
                    await Task.Delay(10, ct);
                }

                var batch = batchOf(item.h, item.b);
                await publisher.PublishAsync(batch, ct);
                Interlocked.Add(ref sent, batch.Samples.Count);
                Interlocked.Increment(ref messages);
            });

        var lastProgress = clock.Elapsed;
        var lastCountedAt = clock.Elapsed;
        async Task Consume()
        {
            while (Interlocked.Read(ref counted) < total)
            {
                stop.Token.ThrowIfCancellationRequested();
                var n = await drainOnce(stop.Token);
                if (n == 0)
                {
                    if (clock.Elapsed - lastCountedAt > TimeSpan.FromMinutes(3))
                    {
                        throw new InvalidOperationException($"{label}: nothing counted for 3 minutes ({counted} of {total} samples).");
                    }

                    await Task.Delay(20, stop.Token);
                    continue;
                }

                Interlocked.Add(ref counted, n);
                lastCountedAt = clock.Elapsed;
                if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
                {
                    lastProgress = clock.Elapsed;
                    var done = Interlocked.Read(ref counted);
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {label}: {done:N0} of {total:N0} samples counted ({100.0 * done / total:0}%), {done / clock.Elapsed.TotalSeconds:N0} samples/s, {Interlocked.Read(ref sent) - done:N0} in the queue"));
                }
            }
        }

        try
        {
            await Task.WhenAll([producer, .. Enumerable.Range(0, consumers).Select(_ => Task.Run(Consume, stop.Token))]);
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label}: {counted:N0} samples in {messages:N0} messages counted in {seconds:0.0} s = {counted / seconds:N0} samples/s"));
        return new Outcome(counted, messages, seconds);
    }

    /// <summary>The queue alone, as a consumer round: receive up to 128 messages (4 receives of 32) and delete them, counting their samples.</summary>
    public static async Task<int> DrainWithoutIngestAsync(QueueClient queue, int samplesPerMessage, CancellationToken cancellationToken)
    {
        var received = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2), cancellationToken)));
        var messages = received.SelectMany(r => r.Value).ToList();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (message, ct) =>
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct));
        return messages.Count * samplesPerMessage;
    }

    /// <summary>
    /// The ingest path before docs/adr/0003, as a consumer round: receive 32 messages, validate them, apply each
    /// host's samples to the per-period layout (8 hosts at a time), register the hosts, delete the messages 8 at a time.
    /// </summary>
    public static async Task<int> DrainWithEarlierLayoutAsync(
        QueueClient queue, TelemetryValidator validator, PeriodRowWindowStore windows, HostStateStore hosts, CancellationToken cancellationToken)
    {
        var received = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2), cancellationToken)).Value;
        if (received.Length == 0)
        {
            return 0;
        }

        var accepted = await IngestWithEarlierLayoutAsync(
            [.. received.Select(m => QueueTelemetryDrainer.ToPayload(m.Body.ToMemory(), queue.Name, m.MessageId, m.InsertedOn ?? default))],
            validator, windows, hosts, cancellationToken);
        await Parallel.ForEachAsync(received, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (message, ct) =>
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct));
        return accepted;
    }

    /// <summary>The ingest before docs/adr/0003 (what <see cref="TelemetryIngestor"/> did): validate, apply each host's samples, 8 hosts at a time, register the hosts.</summary>
    public static async Task<int> IngestWithEarlierLayoutAsync(
        IReadOnlyList<IncomingPayload> payloads, TelemetryValidator validator, PeriodRowWindowStore windows, HostStateStore hosts, CancellationToken cancellationToken)
    {
        var byHost = new Dictionary<string, List<TelemetrySample>>(StringComparer.Ordinal);
        foreach (var payload in payloads)
        {
            var result = validator.Validate(payload.Body);
            if (result.HostId is { } hostId)
            {
                if (!byHost.TryGetValue(hostId, out var list))
                {
                    byHost[hostId] = list = [];
                }

                list.AddRange(result.Accepted);
            }
        }

        var accepted = 0;
        await Parallel.ForEachAsync(byHost, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (host, ct) =>
            Interlocked.Add(ref accepted, (await windows.ApplyAsync(host.Key, host.Value, ct)).Accepted));
        await hosts.TouchAsync(byHost.Keys, DateTimeOffset.UtcNow, cancellationToken);
        return accepted;
    }
}
