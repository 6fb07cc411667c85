using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Prescient.Local.Azurite;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>Azurite on a data folder: one process per folder, no orphans, out of the terminal's process group.</summary>
public sealed class AzuriteFolderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "prescient-azurite-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_second_Azurite_on_a_folder_in_use_is_refused_with_a_clear_message()
    {
        await using var first = await AzuriteProcess.StartAsync(_folder);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteProcess.StartAsync(_folder));

        Assert.Contains("is in use by another Prescient process", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Contains("--data", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azurite_runs_in_a_session_of_its_own_so_a_terminal_Ctrl_C_reaches_only_its_parent()
    {
        await using var azurite = await AzuriteProcess.StartAsync(_folder);

        Assert.True(azurite.Detached, "setsid and setpriv (util-linux) were not found");
        Assert.NotEqual(Session(Environment.ProcessId), Session(azurite.ProcessId));
        Assert.Equal(azurite.ProcessId, Session(azurite.ProcessId));
    }

    [Fact]
    public async Task An_Azurite_a_crashed_run_left_on_the_folder_is_stopped_before_a_new_one_starts()
    {
        // The orphan: an Azurite on the folder whose owner is gone (the pids file names a process that has exited).
        var orphan = StartBareAzurite(_folder);
        try
        {
            await WaitListeningAsync(orphan.Port);
            using var gone = Process.Start("true")!;
            await gone.WaitForExitAsync();
            File.WriteAllText(Path.Combine(_folder, ".prescient.pids"), string.Create(CultureInfo.InvariantCulture, $"{gone.Id} {orphan.Process.Id}\n"));

            await using var azurite = await AzuriteProcess.StartAsync(_folder);

            Assert.Equal(orphan.Process.Id, azurite.OrphanStopped);
            Assert.True(orphan.Process.HasExited);
        }
        finally
        {
            if (!orphan.Process.HasExited)
            {
                orphan.Process.Kill(entireProcessTree: true);
            }

            orphan.Process.Dispose();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static (Process Process, int Port) StartBareAzurite(string folder)
    {
        Directory.CreateDirectory(folder);
        var ports = new[] { FreePort(), FreePort(), FreePort() };
        var startInfo = new ProcessStartInfo(Path.Combine(AzuriteProcess.FindToolsDirectory(), "node_modules", ".bin", "azurite"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
                     "--silent", "--disableTelemetry", "--location", folder,
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, ports[2]);
    }

    private static async Task WaitListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The session id (field 6 of /proc/pid/stat, after the command in parentheses).</summary>
    private static int Session(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[3], CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
