using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Prescient.Local.Azurite;

/// <summary>
/// Runs Azurite (Blobs, Queues, Tables) from the project's own <c>tools/</c> folder on free loopback ports.
/// Installs it with <c>npm ci</c> on first use. Never uses the default ports: other processes may own them.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountName = "devstoreaccount1";
    // Azurite's well-known development key: public, documented, and accepted only by the local emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private readonly bool _persistent;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort, bool persistent)
    {
        _process = process;
        _persistent = persistent;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

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

        // Free ports are picked before Azurite binds them, so another process can take one in between: with
        // ports of our own choosing, try a few fresh sets before giving up.
        for (var attempt = 1; ; attempt++)
        {
            var chosen = ports ?? (FreePort(), FreePort(), FreePort());
            try
            {
                return await StartOnceAsync(executable, dataDirectory, chosen, cancellationToken);
            }
            catch (InvalidOperationException) when (ports is null && attempt < 3)
            {
            }
        }
    }

    private static async Task<AzuriteProcess> StartOnceAsync(
        string executable, string? dataDirectory, (int Blob, int Queue, int Table) ports, CancellationToken cancellationToken)
    {
        var (blob, queue, table) = ports;
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--skipApiVersionCheck", "--disableProductStyleUrl", "--silent",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (dataDirectory is null)
        {
            startInfo.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            startInfo.ArgumentList.Add("--location");
            startInfo.ArgumentList.Add(dataDirectory);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new AzuriteProcess(process, blob, queue, table, dataDirectory is not null);
        try
        {
            await azurite.WaitUntilListeningAsync(cancellationToken);
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
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
    /// <paramref name="grace"/>; in memory there is nothing to save and it is killed at once.
    /// </summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (_persistent && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            using (var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                if (term is not null)
                {
                    await term.WaitForExitAsync();
                }
            }

            using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(6));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
                return;
            }
            catch (OperationCanceledException)
            {
                // Azurite keeps running while clients hold connections open: fall through and kill it.
            }
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
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
