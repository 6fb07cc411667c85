using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Prescient.Hypervisor.Qemu;

/// <summary>An asynchronous QMP event: its name, data (an empty object when it has none) and QEMU's timestamp.</summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);

/// <summary>QEMU answered a command with an error (<c>{"error": {"class", "desc"}}</c>).</summary>
public sealed class QmpException : Exception
{
    public QmpException()
    {
    }

    public QmpException(string message)
        : base(message)
    {
    }

    public QmpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QmpException(string command, string errorClass, string description)
        : base($"{command}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    public string Command { get; } = "";

    public string ErrorClass { get; } = "";

    public string Description { get; } = "";
}

/// <summary>
/// A QMP client: JSON lines over QEMU's unix socket. One reader task parses every line: replies complete the command
/// whose id they echo, events (which may arrive at any time, also between a command and its reply) go to
/// <see cref="Events"/> in order. Commands may be sent concurrently; each carries its own id.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource<JsonElement> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private long _nextId;
    private int _disposed;

    private QmpClient(Socket socket, string path)
    {
        _socket = socket;
        SocketPath = path;
        _reader = Task.Run(ReadLoopAsync);
    }

    public string SocketPath { get; }

    /// <summary>QEMU's version from the greeting (major, minor, micro).</summary>
    public Version QemuVersion { get; private set; } = new(0, 0, 0);

    /// <summary>Every event, in the order QEMU sent it. Completed when the connection closes.</summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Completes when the connection closes (QEMU exited or closed the monitor).</summary>
    public Task Closed => _reader;

    /// <summary>
    /// Connects (retrying while QEMU creates the socket, up to <paramref name="timeout"/>), reads the greeting and
    /// leaves capabilities negotiation.
    /// </summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                var client = new QmpClient(socket, socketPath);
                try
                {
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    limit.CancelAfter(timeout);
                    var greeting = await client._greeting.Task.WaitAsync(limit.Token);
                    client.QemuVersion = ReadVersion(greeting);
                    await client.ExecuteAsync("qmp_capabilities", null, limit.Token);
                    return client;
                }
                catch
                {
                    await client.DisposeAsync();
                    throw;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(50, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Sends a command and returns its <c>return</c> value; throws <see cref="QmpException"/> on an error reply.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, object? arguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        var id = "c" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        if (_reader.IsCompleted)
        {
            _pending.TryRemove(id, out _);
            throw new QmpException($"{command}: the QMP connection to {SocketPath} is closed");
        }

        var message = arguments is null
            ? new Dictionary<string, object> { ["execute"] = command, ["id"] = id }
            : new Dictionary<string, object> { ["execute"] = command, ["arguments"] = arguments, ["id"] = id };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
                await _socket.SendAsync("\n"u8.ToArray(), SocketFlags.None, cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }

            var value = await reply.Task.WaitAsync(cancellationToken);
            return value.ValueKind == JsonValueKind.Object && value.TryGetProperty("error", out var error)
                ? throw new QmpException(command, error.GetProperty("class").GetString() ?? "", error.GetProperty("desc").GetString() ?? "")
                : value.GetProperty("return");
        }
        catch (SocketException e)
        {
            throw new QmpException($"{command}: the QMP connection to {SocketPath} failed: {e.Message}", e);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by QEMU.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }

        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _socket.Dispose();
        _stop.Dispose();
        _writeLock.Dispose();
    }

    private static Version ReadVersion(JsonElement greeting)
    {
        var v = greeting.GetProperty("QMP").GetProperty("version").GetProperty("qemu");
        return new Version(v.GetProperty("major").GetInt32(), v.GetProperty("minor").GetInt32(), v.GetProperty("micro").GetInt32());
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var chunk = new byte[64 * 1024];
        Exception? failure = null;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk.AsSpan(0, read));
                var start = 0;
                var data = buffer.WrittenSpan;
                int newline;
                while ((newline = data[start..].IndexOf((byte)'\n')) >= 0)
                {
                    Dispatch(data.Slice(start, newline));
                    start += newline + 1;
                }

                var rest = data[start..].ToArray();
                buffer.Clear();
                buffer.Write(rest);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            failure = e;
        }
        finally
        {
            _events.Writer.TryComplete();
            var closed = new QmpException($"The QMP connection to {SocketPath} closed", failure ?? new EndOfStreamException());
            _greeting.TrySetException(closed);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(closed);
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> line)
    {
        if (line.Trim((byte)' ').Trim((byte)'\r').IsEmpty)
        {
            return;
        }

        JsonElement message;
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            message = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return; // Not QMP: ignored rather than tearing the connection down.
        }

        if (message.TryGetProperty("QMP", out _))
        {
            _greeting.TrySetResult(message);
        }
        else if (message.TryGetProperty("event", out var name))
        {
            var data = message.TryGetProperty("data", out var d) ? d : EmptyObject;
            var timestamp = DateTimeOffset.UtcNow;
            if (message.TryGetProperty("timestamp", out var ts))
            {
                timestamp = DateTimeOffset.FromUnixTimeMilliseconds(0)
                    .AddSeconds(ts.GetProperty("seconds").GetInt64())
                    .AddTicks(ts.GetProperty("microseconds").GetInt64() * 10);
            }

            _events.Writer.TryWrite(new QmpEvent(name.GetString() ?? "", data, timestamp));
        }
        else if (message.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String &&
                 _pending.TryGetValue(id.GetString()!, out var pending))
        {
            pending.TrySetResult(message);
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}
