using Azure;
using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Ingest;

/// <summary>
/// Reads telemetry from an Azure Storage queue (the local transport) in rounds of up to <see cref="MessagesPerRound"/>
/// messages (several receives of 32 at once): ingest them together (so that the window store packs their hosts into
/// shared transactions), then delete. A crash between the two redelivers the messages after the visibility timeout, which the idempotent window
/// store absorbs (at-least-once delivery, exactly-once counting). In the Functions app a queue trigger replaces the
/// loop and calls <see cref="TelemetryIngestor"/> with <see cref="ToPayload"/> directly.
/// Poison messages are handled as the Functions queue trigger does: a message delivered more than
/// <see cref="MaxDequeueCount"/> times is copied to <c>&lt;queue&gt;-poison</c> and deleted, before its round is
/// ingested. When a round's ingest throws, its messages are ingested again one by one (safe: the store is idempotent),
/// so one message that keeps failing does not hold back the others; the ones that still fail are left for redelivery.
/// </summary>
public sealed partial class QueueTelemetryDrainer(QueueClient queue, TelemetryIngestor ingestor, ILogger<QueueTelemetryDrainer> logger)
{
    private const int MaxMessagesPerReceive = 32;
    private const int MaxQueueNameLength = 63;

    private readonly int _maxDequeueCount = 5;
    private readonly int _messagesPerRound = 128;

    /// <summary>Messages received (in concurrent receives of up to 32) and ingested together in one round.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not between 1 and 1,024.</exception>
    public int MessagesPerRound
    {
        get => _messagesPerRound;
        init => _messagesPerRound = value is >= 1 and <= 1_024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MessagesPerRound), value, "MessagesPerRound must be between 1 and 1,024.");
    }

    /// <summary>Messages deleted at once after a round is ingested (one request each).</summary>
    public int DeleteParallelism { get; init; } = 16;

    /// <summary>How long a received message stays invisible to other readers while it is ingested.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Deliveries a message gets before it is moved to the poison queue (default 5, as the Functions queue trigger's
    /// <c>maxDequeueCount</c> in host.json): a message received for the (<see cref="MaxDequeueCount"/> + 1)th time is
    /// moved. The pipeline's registration sets it from <see cref="IngestOptions.MaxDequeueCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int MaxDequeueCount
    {
        get => _maxDequeueCount;
        init
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxDequeueCount), value, "MaxDequeueCount must be at least 1 (deliveries before a message is moved to the poison queue).");
            }

            _maxDequeueCount = value;
        }
    }

    /// <summary>The queue poison messages go to: <c>&lt;queue&gt;-poison</c> in the same account, created when first needed.</summary>
    public QueueClient PoisonQueue => field ??= queue.GetParentQueueServiceClient().GetQueueClient(PoisonQueueName(queue.Name));

    /// <summary>Test hook: runs after the windows are stored and before the messages are deleted.</summary>
    internal Func<CancellationToken, Task>? BeforeDelete { get; init; }

    /// <summary>The poison queue's name for <paramref name="queueName"/>, as the Functions runtime names it.</summary>
    /// <exception cref="ArgumentException">The name would be longer than a queue name may be.</exception>
    public static string PoisonQueueName(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var name = queueName + "-poison";
        return name.Length <= MaxQueueNameLength
            ? name
            : throw new ArgumentException($"The poison queue of '{queueName}' would be named '{name}', longer than the {MaxQueueNameLength} characters a queue name may have; use a shorter telemetry queue name.", nameof(queueName));
    }

    /// <summary>
    /// Drains until the queue looks empty or <paramref name="maxMessages"/> were processed (ingested, or moved to the
    /// poison queue). Throws when a round's ingest fails for every one of its messages (storage unreachable, say):
    /// nothing of that round is deleted, so it is redelivered.
    /// </summary>
    public async Task<IngestResult> DrainAsync(int maxMessages, CancellationToken cancellationToken)
    {
        var total = IngestResult.Empty;
        int processed = 0, poisoned = 0;
        while (processed < maxMessages)
        {
            var wanted = Math.Min(MessagesPerRound, maxMessages - processed);
            var receives = Enumerable.Range(0, (wanted + MaxMessagesPerReceive - 1) / MaxMessagesPerReceive)
                .Select(i => queue.ReceiveMessagesAsync(Math.Min(MaxMessagesPerReceive, wanted - i * MaxMessagesPerReceive), VisibilityTimeout, cancellationToken))
                .ToList();
            var messages = (await Task.WhenAll(receives)).SelectMany(r => r.Value).ToArray();
            if (messages.Length == 0)
            {
                break;
            }

            var live = new List<QueueMessage>(messages.Length);
            foreach (var message in messages)
            {
                if (message.DequeueCount > MaxDequeueCount)
                {
                    await MoveToPoisonAsync(message, cancellationToken);
                    poisoned++;
                }
                else
                {
                    live.Add(message);
                }
            }

            processed += messages.Length - live.Count;
            if (live.Count == 0)
            {
                continue;
            }

            var (result, ingested) = await IngestAsync(live, cancellationToken);
            total = total.Add(result);
            if (BeforeDelete is not null)
            {
                await BeforeDelete(cancellationToken);
            }

            await Parallel.ForEachAsync(
                ingested,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, DeleteParallelism), CancellationToken = cancellationToken },
                async (message, ct) => await DeleteIngestedAsync(message, ct));
            processed += live.Count;
        }

        if (processed > 0)
        {
            LogDrained(logger, queue.Name, processed, total.Accepted, total.DeadLettered, poisoned);
        }

        return total;
    }

    /// <summary>Ingests a round; if that throws, each message alone. Returns what was ingested (to delete).</summary>
    private async Task<(IngestResult Result, IReadOnlyList<QueueMessage> Ingested)> IngestAsync(List<QueueMessage> messages, CancellationToken cancellationToken)
    {
        try
        {
            return (await ingestor.IngestAsync(messages.Select(ToPayload).ToList(), cancellationToken), messages);
        }
        catch (Exception exception) when (messages.Count > 1 && !cancellationToken.IsCancellationRequested)
        {
            LogRoundFailed(logger, exception, messages.Count, queue.Name);
        }

        var total = IngestResult.Empty;
        var ingested = new List<QueueMessage>(messages.Count);
        Exception? first = null;
        foreach (var message in messages)
        {
            try
            {
                total = total.Add(await ingestor.IngestAsync([ToPayload(message)], cancellationToken));
                ingested.Add(message);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                first ??= exception;
                LogMessageFailed(logger, exception, message.MessageId, queue.Name, message.DequeueCount, MaxDequeueCount);
            }
        }

        if (ingested.Count == 0 && first is not null)
        {
            // Every message failed on its own: most likely the store, not the messages. Stop this drain.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }

        return (total, ingested);
    }

    /// <summary>
    /// Copies the message to the poison queue, then deletes it. A crash between the two leaves it in both; its next
    /// delivery moves it again (a second copy in the poison queue, never a lost message).
    /// </summary>
    private async Task MoveToPoisonAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        // Kept until someone deals with it (no expiry), as the poison queue is where an operator looks.
        await PoisonQueue.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        LogPoisoned(logger, message.MessageId, queue.Name, PoisonQueue.Name, message.DequeueCount, MaxDequeueCount, message.InsertedOn);
    }

    /// <summary>
    /// Deletes an ingested message. A round that outlasts <see cref="VisibilityTimeout"/> lets its messages be delivered
    /// again (to another consumer, with a new pop receipt), and the delete is then refused: the message is left to that
    /// delivery, whose samples the sequence ledger counts as duplicates, instead of failing the drain.
    /// </summary>
    private async Task DeleteIngestedAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException exception) when (exception.Status == 404 || exception.ErrorCode == "PopReceiptMismatch")
        {
            LogRedelivered(logger, message.MessageId, queue.Name, VisibilityTimeout);
        }
    }

    private IncomingPayload ToPayload(QueueMessage message) =>
        ToPayload(message.Body.ToMemory(), queue.Name, message.MessageId, message.InsertedOn ?? default);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained {Messages} messages from queue {Queue}: {Accepted} samples counted, {DeadLettered} dead-lettered, {Poisoned} moved to the poison queue")]
    private static partial void LogDrained(ILogger logger, string queue, int messages, int accepted, int deadLettered, int poisoned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved message {MessageId} from queue {Queue} to {PoisonQueue}: delivered {DequeueCount} times, more than the {MaxDequeueCount} allowed (enqueued {InsertedOn:o})")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, string poisonQueue, long dequeueCount, int maxDequeueCount, DateTimeOffset? insertedOn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingesting {Messages} messages from queue {Queue} failed; ingesting them one by one")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, int messages, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} from queue {Queue} failed to ingest on delivery {DequeueCount} (moved to the poison queue after {MaxDequeueCount}); left for redelivery")]
    private static partial void LogMessageFailed(ILogger logger, Exception exception, string messageId, string queue, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} was ingested but delivered again before its delete (its round outlasted the {VisibilityTimeout} visibility timeout); its next delivery counts as duplicates")]
    private static partial void LogRedelivered(ILogger logger, string messageId, string queue, TimeSpan visibilityTimeout);
}
