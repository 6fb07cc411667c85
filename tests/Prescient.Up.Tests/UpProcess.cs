using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Prescient.Up.Tests;

/// <summary>
/// A real <c>prescient up</c> child process in a session and process group of its own (started through
/// <c>setsid</c>, which keeps the pid), signalled as a terminal does: Ctrl-C sends SIGINT to the whole foreground group.
/// </summary>
internal sealed partial class UpProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private UpProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id, also its process group id (setsid made it a group leader).</summary>
    public int Pid => _process.Id;

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public static UpProcess Start(string dataDirectory, params string[] arguments) => Start(dataDirectory, new Dictionary<string, string>(), arguments);

    public static UpProcess Start(string dataDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        // PRESCIENT_UP_DLL runs another build of up (to show a test failing on the code before a fix).
        startInfo.ArgumentList.Add(Environment.GetEnvironmentVariable("PRESCIENT_UP_DLL") ?? Path.Combine(AppContext.BaseDirectory, "prescient.dll"));
        foreach (var argument in new[] { "up", "--data", dataDirectory, "--port", "0" }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        return new UpProcess(Process.Start(startInfo) ?? throw new InvalidOperationException("prescient up did not start"));
    }

    /// <summary>Waits for "Prescient is up"; returns the API's address.</summary>
    public async Task<Uri> WaitUntilUpAsync(TimeSpan timeout)
    {
        await WaitForLineAsync(l => l.StartsWith("Prescient is up", StringComparison.Ordinal), timeout);
        var api = await WaitForLineAsync(l => l.StartsWith("API:", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        return new Uri(ApiUrl().Match(api).Groups[1].Value);
    }

    /// <summary>The bearer token the API prints.</summary>
    public string Token => Lines.Select(l => TokenPattern().Match(l)).First(m => m.Success).Groups[1].Value;

    /// <summary>Azurite's table endpoint as printed at start.</summary>
    public string TableEndpoint => Lines.Select(l => TablePattern().Match(l)).First(m => m.Success).Groups[1].Value;

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = _lines.FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                await Task.Delay(200); // the last lines of output
                line = _lines.FirstOrDefault(match);
                return line ?? throw new InvalidOperationException($"up exited ({_process.ExitCode}) before the expected line:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no expected line within {timeout}:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the whole process group, as a terminal sends Ctrl-C.</summary>
    public void SignalGroup(string signal) => Kill(signal, "-" + Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>SIGKILL to <c>up</c> alone (a crash): its children are not signalled by anyone but the kernel.</summary>
    public void KillHard() => Kill("KILL", Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>The exit code, or null if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The owner and Azurite pids the data folder's lock records.</summary>
    public static (int Owner, int Azurite)? ReadPids(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, ".prescient.pids");
        if (!File.Exists(path))
        {
            return null;
        }

        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Whether the process runs (a zombie, exited but not yet reaped, does not).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            return !status.Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<bool> WaitUntilGoneAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SignalGroup("KILL");
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    private static void Kill(string signal, string target)
    {
        // The shell's kill (procps may be missing): "kill -s INT -- -123" signals the process group 123.
        using var kill = Process.Start(new ProcessStartInfo("sh") { ArgumentList = { "-c", "kill -s \"$0\" -- \"$1\"", signal, target }, UseShellExecute = false })!;
        kill.WaitForExit();
    }

    [GeneratedRegex(@"^API:\s+(\S+?)api/hosts")]
    private static partial Regex ApiUrl();

    [GeneratedRegex(@"Authorization: Bearer (\S+?)\)")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"table (http://127\.0\.0\.1:\d+/devstoreaccount1)")]
    private static partial Regex TablePattern();
}
