using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Prescient.Local.Azurite;
using Prescient.Pipeline.Storage;

namespace Prescient.Agent.Tests.Transport;

/// <summary>
/// An Azurite that persists to a folder on fixed loopback ports, so it can be stopped for an outage and restarted
/// with its data. Stopping is graceful (SIGTERM, as a service manager does): Azurite saves its metadata then, while a
/// hard kill would lose writes it had already acknowledged (it autosaves every few seconds), which would blame the
/// agent for the emulator's loss.
/// </summary>
internal sealed class RestartableAzurite : IAsyncDisposable
{
    private readonly TempDirectory _data = new();
    private readonly (int Blob, int Queue, int Table) _ports = (FreePort(), FreePort(), FreePort());
    private AzuriteProcess? _process;

    private RestartableAzurite()
    {
    }

    public string ConnectionString { get; private set; } = "";

    public bool IsRunning => _process is not null;


    public static async Task<RestartableAzurite> StartAsync()
    {
        var azurite = new RestartableAzurite();
        await azurite.RestartAsync();
        return azurite;
    }

    public static string AccountKeyOf(string connectionString) =>
        connectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];

    public async Task EnsureRunningAsync()
    {
        if (_process is null)
        {
            await RestartAsync();
        }
    }

    public async Task RestartAsync()
    {
        _process = await AzuriteProcess.StartAsync(_data.Path, _ports);
        ConnectionString = _process.ConnectionString;
    }

    /// <summary>
    /// Stops Azurite as SIGTERM does: it stops answering requests at once, while connections that clients keep open
    /// hold the process up. What it acknowledged is in memory and autosaved within 5 s, so after that the process is
    /// ended. (A bare SIGKILL could lose writes Azurite had already acknowledged: the emulator's loss, not the agent's.)
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (FindPid(_ports.Queue) is { } id)
        {
            using (var kill = Process.Start("kill", ["-TERM", id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(6);
            while (IsAlive(id) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Storage clients for the pipeline side that give up quickly while Azurite is down.</summary>
    public PrescientStorage Storage(string prefix)
    {
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 0;
        var blobOptions = new BlobClientOptions();
        blobOptions.Retry.MaxRetries = 0;
        var queueOptions = new QueueClientOptions();
        queueOptions.Retry.MaxRetries = 0;
        return new PrescientStorage(
            new TableServiceClient(ConnectionString, tableOptions),
            new BlobServiceClient(ConnectionString, blobOptions),
            new QueueServiceClient(ConnectionString, queueOptions),
            new StorageNames(prefix));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _data.Dispose();
    }

    /// <summary>The node process of this Azurite: the one started with our (unique) queue port.</summary>
    private static int? FindPid(int queuePort)
    {
        var port = queuePort.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                var index = Array.IndexOf(args, "--queuePort");
                if (index >= 0 && index + 1 < args.Length && args[index + 1] == port && args.Any(a => a.Contains("azurite", StringComparison.Ordinal)))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
