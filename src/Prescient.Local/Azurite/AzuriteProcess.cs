using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Prescient.Local.Azurite;

/// <summary>
/// Runs Azurite (Blobs, Queues, Tables) from the project's own <c>tools/</c> folder on free loopback ports.
/// Installs it with <c>npm ci</c> on first use. Never uses the default ports: other processes may own them.
/// On Linux Azurite runs in a session of its own (a terminal's Ctrl-C reaches the caller only, which stops Azurite
/// in its own order) and dies with the caller (a parent-death signal, so a crash or SIGKILL leaves no orphan); a data
/// folder is locked (<see cref="DataFolderLock"/>): a second process on it is refused, an orphan on it is stopped.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountName = "devstoreaccount1";
    // Azurite's well-known development key: public, documented, and accepted only by the local emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The shell between the launcher and Azurite: forwards one stop signal, ignores the rest.</summary>
    private const string Guard =
        "trap 'trap \"\" TERM INT; kill -TERM \"$child\" 2>/dev/null; wait \"$child\"' TERM INT; " +
        "\"$0\" \"$@\" >>\"$AZURITE_LOG\" 2>&1 & child=$!; wait \"$child\"";

    private readonly Process _process;
    private readonly ManualResetEventSlim _releaseParent;
    private readonly bool _persistent;

    private AzuriteProcess(Process process, ManualResetEventSlim releaseParent, int blobPort, int queuePort, int tablePort, bool persistent)
    {
        _process = process;
        _releaseParent = releaseParent;
        _persistent = persistent;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>Azurite's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether Azurite runs in a session of its own and gets SIGTERM when this process dies (Linux, with util-linux).</summary>
    public bool Detached { get; private init; }

    /// <summary>The data folder's lock (null in memory).</summary>
    public DataFolderLock? FolderLock { get; private init; }

    /// <summary>The pid of an Azurite a crashed run left on the data folder, stopped before this one started.</summary>
    public int? OrphanStopped { get; private init; }

    /// <summary>The three endpoints, for people.</summary>
    public string Endpoints => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"blob http://127.0.0.1:{BlobPort}/{AccountName}, queue http://127.0.0.1:{QueuePort}/{AccountName}, table http://127.0.0.1:{TablePort}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>
    /// Starts Azurite. With <paramref name="dataDirectory"/> null it keeps everything in memory (tests); otherwise
    /// it persists there (runs that should survive a restart). Pass fixed ports to restart on the same endpoints.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(
        string? dataDirectory = null,
        (int Blob, int Queue, int Table)? ports = null,
        CancellationToken cancellationToken = default)
    {
        var toolsDirectory = FindToolsDirectory();
        var executable = Path.Combine(toolsDirectory, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            await InstallAsync(toolsDirectory, cancellationToken);
        }

        var folderLock = dataDirectory is null ? null : DataFolderLock.Acquire(dataDirectory);
        try
        {
            var orphan = folderLock is null ? null : await folderLock.StopOrphanAsync(cancellationToken);

            // Free ports are picked before Azurite binds them, so another process can take one in between: with
            // ports of our own choosing, try a few fresh sets before giving up.
            for (var attempt = 1; ; attempt++)
            {
                var chosen = ports ?? (FreePort(), FreePort(), FreePort());
                try
                {
                    var azurite = await StartOnceAsync(executable, folderLock, chosen, orphan, cancellationToken);
                    folderLock?.RecordAzurite(azurite.ProcessId);
                    return azurite;
                }
                catch (InvalidOperationException) when (ports is null && attempt < 3)
                {
                }
            }
        }
        catch
        {
            folderLock?.Dispose();
            throw;
        }
    }

    private static async Task<AzuriteProcess> StartOnceAsync(
        string executable, DataFolderLock? folderLock, (int Blob, int Queue, int Table) ports, int? orphan, CancellationToken cancellationToken)
    {
        var (blob, queue, table) = ports;
        var launcher = Launcher();
        var startInfo = new ProcessStartInfo(launcher is null ? executable : "setsid")
        {
            // Detached, its output goes to a file: a pipe to a parent that died would make its last words (on the
            // way to saving its data) fail with EPIPE and end it before it saved anything.
            RedirectStandardOutput = launcher is null,
            RedirectStandardError = launcher is null,
            UseShellExecute = false,
        };
        if (launcher is not null)
        {
            // setsid: a session (and process group) of its own; setpriv: SIGTERM when its parent thread dies. The kernel
            // repeats that signal as it reparents Azurite from thread to thread of a dying parent, and Azurite takes
            // only the first (the next one kills it in the middle of saving its data): a small shell passes on the
            // first TERM or INT only, waits for Azurite to save and exit, and sends its output to a log.
            var log = folderLock is null ? "/dev/null" : Path.Combine(folderLock.Directory, "azurite.log");
            foreach (var argument in new[] { launcher, "--pdeathsig", "TERM", "--", "sh", "-c", Guard, executable })
            {
                startInfo.ArgumentList.Add(argument);
            }

            startInfo.Environment["AZURITE_LOG"] = log;
        }

        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--skipApiVersionCheck", "--disableProductStyleUrl", "--silent",
                     // Without telemetry Azurite exits once it has saved its data after SIGTERM (with it, it lingers).
                     "--disableTelemetry",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (folderLock is null)
        {
            startInfo.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            startInfo.ArgumentList.Add("--location");
            startInfo.ArgumentList.Add(folderLock.Directory);
        }

        var release = new ManualResetEventSlim();
        var process = StartFromKeeperThread(startInfo, release);
        if (launcher is null)
        {
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        var azurite = new AzuriteProcess(process, release, blob, queue, table, folderLock is not null)
        {
            Detached = launcher is not null,
            FolderLock = folderLock,
            OrphanStopped = orphan,
        };
        try
        {
            await azurite.WaitUntilListeningAsync(cancellationToken);
            return azurite;
        }
        catch
        {
            await azurite.StopProcessAsync(TimeSpan.Zero);
            throw;
        }
    }

    /// <summary>
    /// Starts the process from a thread that lives until Azurite is stopped: the parent-death signal fires when the
    /// thread that forked the child ends, and a thread-pool thread may end at any time.
    /// </summary>
    private static Process StartFromKeeperThread(ProcessStartInfo startInfo, ManualResetEventSlim release)
    {
        Process? process = null;
        Exception? failure = null;
        using var started = new ManualResetEventSlim();
        var keeper = new Thread(() =>
        {
            try
            {
                process = Process.Start(startInfo);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                failure = e;
            }

            started.Set();
            if (process is not null)
            {
                release.Wait();
            }
        })
        {
            IsBackground = true,
            Name = "azurite-parent",
        };
        keeper.Start();
        started.Wait();
        return process ?? throw new InvalidOperationException("Azurite did not start.", failure);
    }

    /// <summary><c>setpriv</c> when both it and <c>setsid</c> (util-linux) are on the PATH of a Linux machine; null otherwise.</summary>
    private static string? Launcher()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries);
        string? Find(string name) => path.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        return Find("setsid") is not null ? Find("setpriv") : null;
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} while starting.");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }

    /// <summary>
    /// Stops Azurite. With a data folder it first asks politely (SIGTERM), so Azurite writes what it has accepted
    /// to disk (its disk mode otherwise saves only every few seconds), and kills it only if it has not exited within
    /// <paramref name="grace"/>; in memory there is nothing to save and it is killed at once. Then the data folder is
    /// released.
    /// </summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        await StopProcessAsync(_persistent ? grace ?? TimeSpan.FromSeconds(6) : TimeSpan.Zero);
        FolderLock?.Dispose();
    }

    /// <summary>Kills Azurite at once (a second Ctrl-C): what it has not saved yet is lost.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _releaseParent.Set();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        _releaseParent.Dispose();
    }

    private async Task StopProcessAsync(TimeSpan grace)
    {
        if (!_process.HasExited && grace > TimeSpan.Zero && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            DataFolderLock.Signal(_process.Id, "TERM");
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Azurite keeps running while clients hold connections open: kill it below.
            }
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _releaseParent.Set();
    }

    private static async Task InstallAsync(string toolsDirectory, CancellationToken cancellationToken)
    {
        var npm = new ProcessStartInfo("npm")
        {
            WorkingDirectory = toolsDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            npm.ArgumentList.Add(argument);
        }

        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start; install Node.js 20 and npm.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'npm ci' in {toolsDirectory} failed ({process.ExitCode}): {await stderr}");
        }
    }

    /// <summary>The repository's <c>tools/</c> folder: found upwards from the working directory or the app's folder.</summary>
    public static string FindToolsDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "tools", "package.json");
                if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
                {
                    return Path.GetDirectoryName(candidate)!;
                }
            }
        }

        throw new InvalidOperationException(
            "Cannot find the repository's tools/package.json (needed to run Azurite). Run from inside the Prescient checkout, or pass --storage.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
