using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Ingest;

/// <summary>
/// Reads telemetry from an Azure Storage queue (the local transport) in rounds of up to 32 messages: ingest, then
/// delete. A crash between the two redelivers the messages after the visibility timeout, which the idempotent window
/// store absorbs (at-least-once delivery, exactly-once counting). In the Functions app a queue trigger replaces the
/// loop and calls <see cref="TelemetryIngestor"/> with <see cref="ToPayload"/> directly.
/// </summary>
public sealed partial class QueueTelemetryDrainer(QueueClient queue, TelemetryIngestor ingestor, ILogger<QueueTelemetryDrainer> logger)
{
    private const int MaxMessagesPerReceive = 32;

    /// <summary>How long a received message stays invisible to other readers while it is ingested.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Test hook: runs after the windows are stored and before the messages are deleted.</summary>
    internal Func<CancellationToken, Task>? BeforeDelete { get; init; }

    /// <summary>Drains until the queue looks empty or <paramref name="maxMessages"/> were processed.</summary>
    public async Task<IngestResult> DrainAsync(int maxMessages, CancellationToken cancellationToken)
    {
        var total = IngestResult.Empty;
        var processed = 0;
        while (processed < maxMessages)
        {
            var received = await queue.ReceiveMessagesAsync(
                Math.Min(MaxMessagesPerReceive, maxMessages - processed), VisibilityTimeout, cancellationToken);
            var messages = received.Value;
            if (messages.Length == 0)
            {
                break;
            }

            var payloads = messages.Select(m => ToPayload(m.Body.ToMemory(), queue.Name, m.MessageId, m.InsertedOn ?? default)).ToList();
            total = total.Add(await ingestor.IngestAsync(payloads, cancellationToken));
            if (BeforeDelete is not null)
            {
                await BeforeDelete(cancellationToken);
            }

            await Parallel.ForEachAsync(
                messages,
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (message, ct) => await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct));
            processed += messages.Length;
        }

        if (processed > 0)
        {
            LogDrained(logger, queue.Name, processed, total.Accepted, total.DeadLettered);
        }

        return total;
    }

    /// <summary>
    /// A queue message's text as a payload: base64 of the JSON (what the publisher writes). Plain JSON text (starting
    /// with '{') is accepted too; anything else is passed on as is and dead-lettered by validation.
    /// </summary>
    public static IncomingPayload ToPayload(ReadOnlyMemory<byte> messageText, string queueName, string messageId, DateTimeOffset insertedOn)
    {
        var origin = new PayloadOrigin("queue:" + queueName, messageId, insertedOn);
        var span = messageText.Span.TrimStart(" \t\r\n"u8);
        if (span.Length > 0 && span[0] == (byte)'{')
        {
            return new IncomingPayload(messageText, origin);
        }

        var text = Encoding.UTF8.GetString(messageText.Span);
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text.Trim(), buffer, out var written)
            ? new IncomingPayload(buffer.AsMemory(0, written), origin)
            : new IncomingPayload(messageText, origin);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained {Messages} messages from queue {Queue}: {Accepted} samples counted, {DeadLettered} dead-lettered")]
    private static partial void LogDrained(ILogger logger, string queue, int messages, int accepted, int deadLettered);
}
