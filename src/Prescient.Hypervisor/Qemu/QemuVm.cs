using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Prescient.Hypervisor.Qemu;

/// <summary>
/// One QEMU process the agent owns: its definition, its QMP connection and an event pump that hands every event to
/// <see cref="EventReceived"/> and to the waiters registered with <see cref="WaitForEventAsync"/>.
/// </summary>
public sealed partial class QemuVm : IAsyncDisposable
{
    // /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 per second on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;
    private readonly Process? _child;
    private readonly ILogger _log;
    private readonly List<(string Name, Func<QmpEvent, bool> Match, TaskCompletionSource<QmpEvent> Done)> _waiters = [];
    private readonly Task _pump;

    private QemuVm(QemuVmDefinition definition, QemuVmPaths paths, int pid, Process? child, QmpClient qmp, bool incoming, ILogger log)
    {
        Definition = definition;
        Paths = paths;
        Pid = pid;
        _child = child;
        Qmp = qmp;
        Incoming = incoming;
        _log = log;
        _pump = Task.Run(PumpAsync);
    }

    public QemuVmDefinition Definition { get; }

    public QemuVmPaths Paths { get; }

    public int Pid { get; }

    public QmpClient Qmp { get; }

    /// <summary>Started as a migration destination (<c>-incoming defer -S</c>).</summary>
    public bool Incoming { get; }

    /// <summary>Every event of this VM, on the pump's thread (keep handlers short; never block them on QMP).</summary>
    public event Action<QmpEvent>? EventReceived;

    /// <summary>Completes when the QMP connection closes: QEMU exited.</summary>
    public Task Exited => _pump;

    public bool HasExited => _pump.IsCompleted;

    /// <summary>Starts QEMU and connects to its monitor; a QEMU that fails to start throws with its own error output.</summary>
    public static async Task<QemuVm> StartAsync(
        string qemuBinary, QemuVmDefinition definition, QemuVmPaths paths, bool incoming, bool detach, ILogger log, CancellationToken cancellationToken, int? nice = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var stale in new[] { paths.QmpSocket, paths.PidFile })
        {
            File.Delete(stale);
        }

        var start = new ProcessStartInfo(nice is null ? qemuBinary : "nice")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (nice is { } n)
        {
            // nice execs QEMU, so the pid is QEMU's and every QEMU thread inherits the priority.
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            start.ArgumentList.Add(qemuBinary);
        }

        foreach (var arg in QemuCommandLine.Build(definition, paths, incoming, detach))
        {
            start.ArgumentList.Add(arg);
        }

        var errors = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{qemuBinary} did not start");
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                if (e.Data is not null && errors.Length < 8192)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        int pid;
        if (detach)
        {
            // The foreground process exits once the daemon is initialised (with an error code if it could not start).
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(limit.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"QEMU failed to start {definition.VmId} (exit {process.ExitCode}): {Text(errors)}");
            }

            pid = int.Parse(File.ReadAllText(paths.PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            process.Dispose();
            process = null;
        }
        else
        {
            pid = process.Id;
        }

        try
        {
            var exited = process is null ? Task.Delay(Timeout.Infinite, cancellationToken) : process.WaitForExitAsync(cancellationToken);
            var connect = QmpClient.ConnectAsync(paths.QmpSocket, TimeSpan.FromSeconds(60), cancellationToken);
            if (await Task.WhenAny(connect, exited) != connect)
            {
                throw new InvalidOperationException($"QEMU exited while starting {definition.VmId} (exit {process!.ExitCode}): {Text(errors)}");
            }

            return new QemuVm(definition, paths, pid, process, await connect, incoming, log);
        }
        catch
        {
            Kill(pid);
            process?.Dispose();
            throw;
        }
    }

    /// <summary>Reconnects to a QEMU the agent started before it restarted (detached VMs); null when it is gone.</summary>
    public static async Task<QemuVm?> AdoptAsync(QemuVmDefinition definition, QemuVmPaths paths, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (!File.Exists(paths.PidFile) || !File.Exists(paths.QmpSocket) ||
            !int.TryParse(File.ReadAllText(paths.PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid) ||
            !Directory.Exists($"/proc/{pid}"))
        {
            return null;
        }

        try
        {
            var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, TimeSpan.FromSeconds(5), cancellationToken);
            return new QemuVm(definition, paths, pid, null, qmp, incoming: false, log);
        }
        catch (Exception e) when (e is QmpException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    public Task<JsonElement> ExecuteAsync(string command, object? arguments = null, CancellationToken cancellationToken = default) =>
        Qmp.ExecuteAsync(command, arguments, cancellationToken);

    /// <summary>QEMU's run state: <c>running</c>, <c>paused</c>, <c>inmigrate</c>, <c>finish-migrate</c>, <c>postmigrate</c>, ...</summary>
    public async Task<string> RunStateAsync(CancellationToken cancellationToken = default) =>
        (await ExecuteAsync("query-status", null, cancellationToken)).GetProperty("status").GetString() ?? "";

    public Task<JsonElement> QueryMigrateAsync(CancellationToken cancellationToken = default) => ExecuteAsync("query-migrate", null, cancellationToken);

    /// <summary>
    /// Waits for the next event named <paramref name="name"/> that <paramref name="match"/> accepts. Register the wait
    /// before causing the event (or check the state after registering): earlier events are not replayed.
    /// </summary>
    public Task<QmpEvent> WaitForEventAsync(string name, Func<QmpEvent, bool>? match, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<QmpEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_pump.IsCompleted)
            {
                done.SetException(new QmpException($"QEMU of {Definition.VmId} has exited"));
                return done.Task;
            }

            _waiters.Add((name, match ?? (_ => true), done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>CPU time QEMU has used (all its threads), in seconds; null when the process is gone.</summary>
    public double? CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) +
                    long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Asks QEMU to quit, then kills it if it has not exited within <paramref name="grace"/>.</summary>
    public async Task QuitAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            Kill();
            return;
        }

        try
        {
            // QEMU may close the monitor before it answers 'quit': the exit is what counts.
            await ExecuteAsync("quit", null, CancellationToken.None).WaitAsync(grace);
        }
        catch (Exception e) when (e is QmpException or TimeoutException)
        {
            // Judged by whether it exits.
        }

        try
        {
            await _pump.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            LogQuitFailed(_log, Definition.VmId, Pid, $"still running {grace} after quit");
        }

        Kill();
    }

    /// <summary>SIGKILL (a crash, as tests inject it; or after a quit that was not honoured).</summary>
    public void Kill()
    {
        Kill(Pid);
        if (_child is not null)
        {
            try
            {
                _child.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Not started by us.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        _child?.Dispose();
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static string Text(StringBuilder errors)
    {
        lock (errors)
        {
            return errors.ToString().Trim();
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in Qmp.Events.ReadAllAsync())
            {
                try
                {
                    EventReceived?.Invoke(e);
                }
#pragma warning disable CA1031 // A faulty handler must not stop the pump: the other listeners still need the events.
                catch (Exception handlerError)
#pragma warning restore CA1031
                {
                    LogHandlerFailed(_log, Definition.VmId, e.Name, handlerError);
                }

                List<TaskCompletionSource<QmpEvent>> matched = [];
                lock (_waiters)
                {
                    for (var i = _waiters.Count - 1; i >= 0; i--)
                    {
                        if (_waiters[i].Name == e.Name && _waiters[i].Match(e))
                        {
                            matched.Add(_waiters[i].Done);
                            _waiters.RemoveAt(i);
                        }
                    }
                }

                foreach (var waiter in matched)
                {
                    waiter.TrySetResult(e);
                }
            }
        }
        finally
        {
            lock (_waiters)
            {
                foreach (var waiter in _waiters)
                {
                    waiter.Done.TrySetException(new QmpException($"QEMU of {Definition.VmId} has exited"));
                }

                _waiters.Clear();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "QEMU of {VmId} (pid {Pid}) did not quit cleanly ({Reason}); killed")]
    private static partial void LogQuitFailed(ILogger logger, string vmId, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling event {Event} of {VmId} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string vmId, string @event, Exception exception);
}
