using System.Diagnostics;
using System.Globalization;

namespace Prescient.Local.Azurite;

/// <summary>
/// One Prescient process per Azurite data folder: an exclusive lock on <c>.prescient.lock</c> in the folder (an
/// advisory <c>flock</c> that the kernel releases when the process dies, however it dies), and <c>.prescient.pids</c>
/// naming the owner and its Azurite. A second process is refused with a clear message; an Azurite that a crashed
/// owner left running on the folder is stopped before a new one starts.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private const string LockFileName = ".prescient.lock";
    private const string PidsFileName = ".prescient.pids";

    private readonly FileStream _lock;

    private DataFolderLock(string directory, FileStream lockStream)
    {
        Directory = directory;
        _lock = lockStream;
    }

    public string Directory { get; }

    private string PidsPath => Path.Combine(Directory, PidsFileName);

    /// <summary>Takes the folder, or throws <see cref="InvalidOperationException"/> saying who holds it.</summary>
    public static DataFolderLock Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            // FileShare.None is an exclusive flock on Unix: another process's open fails until this one closes or dies.
            var stream = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataFolderLock(directory, stream);
        }
        catch (IOException)
        {
            var owner = ReadPids(Path.Combine(directory, PidsFileName)).Owner;
            throw new InvalidOperationException(
                $"The data folder {directory} is in use by another Prescient process{(owner is null ? "" : $" (pid {owner})")}: " +
                "stop it first, or pass another --data folder. (Azurite keeps one folder per process; two would corrupt it.)");
        }
    }

    /// <summary>
    /// Stops an Azurite left running on this folder by an owner that died (this process holds the lock, so the owner
    /// named in the pids file is gone). Returns its pid, or null when there was none.
    /// </summary>
    public async Task<int?> StopOrphanAsync(CancellationToken cancellationToken)
    {
        var orphan = ReadPids(PidsPath).Azurite;
        if (orphan is not { } pid || !IsAzuriteOnThisFolder(pid))
        {
            return null;
        }

        using (var process = Process.GetProcessById(pid))
        {
            // It may already be saving its data (its parent-death signal came first): killing it in the middle of
            // writing its files would corrupt them, so it gets a minute before it is killed.
            Signal(pid, "TERM");
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(cancellationToken);
            }
        }

        return pid;
    }

    /// <summary>Records this process and its Azurite, so a later run can find an orphan.</summary>
    public void RecordAzurite(int azuritePid) =>
        File.WriteAllText(PidsPath, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {azuritePid}\n"));

    public void Dispose()
    {
        try
        {
            File.Delete(PidsPath);
        }
        catch (IOException)
        {
            // Left behind: the next owner checks the pid it names before acting on it.
        }

        _lock.Dispose();
    }

    /// <summary>Sends a signal with the shell's <c>kill</c> (no native interop, no procps needed).</summary>
    internal static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("sh")
        {
            ArgumentList = { "-c", "kill -s \"$0\" \"$1\"", signal, pid.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        });
        kill?.WaitForExit();
    }

    private bool IsAzuriteOnThisFolder(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains("azurite", StringComparison.OrdinalIgnoreCase) && commandLine.Contains(Directory, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // Gone, or not a process of ours.
        }
    }

    private static (int? Owner, int? Azurite) ReadPids(string path)
    {
        try
        {
            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (
                parts.Length > 0 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var owner) ? owner : null,
                parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var azurite) ? azurite : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }
}
