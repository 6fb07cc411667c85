using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Hypervisor.Tests.Qemu;

/// <summary>The QMP client against a scripted monitor on a unix socket: events between replies, ids echoed, errors, a closed monitor.</summary>
public sealed class QmpClientTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "qmp-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private Task _server = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(1);
        _server = Task.Run(ServeAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await Task.WhenAny(_server, Task.Delay(2000));
        File.Delete(_path);
    }

    [Fact]
    public async Task Events_that_arrive_before_a_reply_are_queued_in_order_and_the_reply_still_completes_its_command()
    {
        await using var qmp = await QmpClient.ConnectAsync(_path, TimeSpan.FromSeconds(10));

        var status = await qmp.ExecuteAsync("query-status");

        Assert.Equal(new Version(10, 0, 2), qmp.QemuVersion);
        Assert.Equal("running", status.GetProperty("status").GetString());
        Assert.True(qmp.Events.TryRead(out var first));
        Assert.True(qmp.Events.TryRead(out var second));
        Assert.Equal(("MIGRATION_PASS", 3), (first.Name, first.Data.GetProperty("pass").GetInt32()));
        Assert.Equal("STOP", second.Name);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddTicks(250_000 * 10), first.Timestamp);
    }

    [Fact]
    public async Task Replies_answered_out_of_order_reach_the_command_whose_id_they_echo()
    {
        await using var qmp = await QmpClient.ConnectAsync(_path, TimeSpan.FromSeconds(10));

        var slow = qmp.ExecuteAsync("slow");
        var fast = qmp.ExecuteAsync("fast");

        Assert.Equal("fast", (await fast).GetProperty("name").GetString());
        Assert.Equal("slow", (await slow).GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_error_reply_is_a_QmpException_with_QEMUs_class_and_description()
    {
        await using var qmp = await QmpClient.ConnectAsync(_path, TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("cont"));

        Assert.Equal("GenericError", error.ErrorClass);
        Assert.Equal("Failed to get \"write\" lock", error.Description);
    }

    [Fact]
    public async Task A_monitor_that_closes_fails_the_pending_command_and_completes_the_events()
    {
        await using var qmp = await QmpClient.ConnectAsync(_path, TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("quit"));
        await qmp.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(qmp.Events.Completion.IsCompleted);
        await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("query-status"));
    }

    private static byte[] Line(object message) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message) + "\n");

    private async Task ServeAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private static async Task HandleAsync(Socket client)
    {
        using var _ = client;
        await client.SendAsync(Line(new { QMP = new { version = new { qemu = new { major = 10, minor = 0, micro = 2 }, package = "" }, capabilities = Array.Empty<string>() } }));
        using var reader = new StreamReader(new NetworkStream(client));
        string? held = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            using var command = JsonDocument.Parse(line);
            var name = command.RootElement.GetProperty("execute").GetString();
            var id = command.RootElement.GetProperty("id").GetString();
            var timestamp = new { seconds = 1700000000, microseconds = 250000 };
            switch (name)
            {
                case "query-status":
                    await client.SendAsync(Line(new { @event = "MIGRATION_PASS", data = new { pass = 3 }, timestamp }));
                    await client.SendAsync(Line(new { @event = "STOP", timestamp }));
                    await client.SendAsync(Line(new { @return = new { status = "running", running = true }, id }));
                    break;
                case "slow":
                    held = id; // Answered after the next command.
                    break;
                case "fast":
                    await client.SendAsync(Line(new { @return = new { name = "fast" }, id }));
                    await client.SendAsync(Line(new { @return = new { name = "slow" }, id = held }));
                    break;
                case "cont":
                    await client.SendAsync(Line(new { error = new { @class = "GenericError", desc = "Failed to get \"write\" lock" }, id }));
                    break;
                case "quit":
                    client.Shutdown(SocketShutdown.Both);
                    return;
                default:
                    await client.SendAsync(Line(new { @return = new { }, id }));
                    break;
            }
        }
    }
}
