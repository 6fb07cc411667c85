using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Hypervisor.Power;

/// <summary>
/// This host's power state and the means to change it: Reduce runs the configured command (after the answer is sent,
/// since the command may suspend the host); a host that answers is awake, so Wake of this host is On; waking a peer
/// sends its Wake-on-LAN magic packet, or resets it on through Redfish or IPMI. After a Reduce the host reports
/// Reduced until it is woken (a suspend and resume is detected from the boot clock running ahead of the monotonic one).
/// </summary>
public sealed partial class HostPower(PowerOptions options, HttpClient http, ILogger log, string procPath = "/proc")
{
    private static readonly TimeSpan CommandDelay = TimeSpan.FromMilliseconds(500);
    private readonly Lock _gate = new();
    private bool _reduced;
    private long _reducedAtTimestamp;
    private double _reducedAtUptime;

    /// <summary>The last Reduce command (tests wait for it); null before the first Reduce.</summary>
    public Task<int>? LastReduceCommand { get; private set; }

    public PowerState State
    {
        get
        {
            lock (_gate)
            {
                if (_reduced && SleptSinceReduce())
                {
                    _reduced = false;
                    LogWokeUp(log);
                }

                return _reduced ? PowerState.Reduced : PowerState.On;
            }
        }
    }

    /// <summary>Marks the host Reduced and runs the reduce command shortly after (in the background).</summary>
    public PowerState Reduce()
    {
        lock (_gate)
        {
            if (_reduced)
            {
                return PowerState.Reduced; // Idempotent: the command already ran.
            }

            _reduced = true;
            _reducedAtTimestamp = Stopwatch.GetTimestamp();
            _reducedAtUptime = Uptime();
            LastReduceCommand = RunReduceCommandAsync();
            return PowerState.Reduced;
        }
    }

    /// <summary>This host answers, so it is awake.</summary>
    public PowerState Wake()
    {
        lock (_gate)
        {
            _reduced = false;
            return PowerState.On;
        }
    }

    /// <summary>Wakes another host the way <see cref="PowerOptions.Peers"/> says; answers Waking once the request is sent.</summary>
    public async Task<HypervisorResult<PowerResponse>> WakePeerAsync(string hostId, CancellationToken cancellationToken)
    {
        if (!options.Peers.TryGetValue(hostId, out var target))
        {
            return HypervisorResult<PowerResponse>.Fail(404, HypervisorErrorCodes.UnknownHost, $"No way to wake host {hostId} is configured here.");
        }

        try
        {
            if (target.Mac is not null)
            {
                await WakeOnLan.SendAsync(target.Mac, target.BroadcastAddress, target.Port, cancellationToken);
            }
            else if (target.RedfishSystem is not null)
            {
                await RedfishOnAsync(target, cancellationToken);
            }
            else if (target.IpmiHost is not null)
            {
                var code = await RunAsync(["ipmitool", "-I", "lanplus", "-H", target.IpmiHost, "-U", target.UserName ?? "", "-f", target.PasswordFile ?? "", "chassis", "power", "on"], cancellationToken);
                if (code != 0)
                {
                    return HypervisorResult<PowerResponse>.Unavailable($"ipmitool chassis power on for {hostId} exited {code}");
                }
            }
            else
            {
                return HypervisorResult<PowerResponse>.Conflict($"Host {hostId} has no MAC, Redfish system or IPMI host configured.");
            }
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException or FormatException or System.ComponentModel.Win32Exception)
        {
            return HypervisorResult<PowerResponse>.Unavailable($"Waking {hostId} failed: {e.Message}");
        }

        LogWakeSent(log, hostId);
        return new PowerResponse(hostId, PowerState.Waking);
    }

    private static double Uptime(string procPath) =>
        double.Parse(File.ReadAllText(Path.Combine(procPath, "uptime")).Split(' ')[0], CultureInfo.InvariantCulture);

    private double Uptime() => Uptime(procPath);

    // CLOCK_BOOTTIME (/proc/uptime) keeps counting while the host is suspended; the monotonic clock does not.
    private bool SleptSinceReduce()
    {
        try
        {
            var monotonic = Stopwatch.GetElapsedTime(_reducedAtTimestamp).TotalSeconds;
            return Uptime() - _reducedAtUptime - monotonic > 2;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<int> RunReduceCommandAsync()
    {
        await Task.Delay(CommandDelay);
        try
        {
            var code = await RunAsync([.. options.ReduceCommand], CancellationToken.None);
            LogReduced(log, string.Join(' ', options.ReduceCommand), code);
            if (code != 0)
            {
                lock (_gate)
                {
                    _reduced = false; // The host did not power down.
                }
            }

            return code;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            LogReduceFailed(log, string.Join(' ', options.ReduceCommand), e.Message);
            lock (_gate)
            {
                _reduced = false;
            }

            return -1;
        }
    }

    private static async Task<int> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new System.ComponentModel.Win32Exception($"{command[0]} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(output, errors);
        return process.ExitCode;
    }

    private async Task RedfishOnAsync(WakeTarget target, CancellationToken cancellationToken)
    {
        var system = target.RedfishSystem!.AbsoluteUri.TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, system + "/Actions/ComputerSystem.Reset")
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["ResetType"] = "On" }),
        };
        if (target.UserName is not null)
        {
            var password = target.PasswordFile is null ? "" : (await File.ReadAllTextAsync(target.PasswordFile, cancellationToken)).TrimEnd('\n', '\r');
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{target.UserName}:{password}")));
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Redfish reset answered {(int)response.StatusCode}", null, response.StatusCode);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reduce: ran '{Command}', exit code {ExitCode}")]
    private static partial void LogReduced(ILogger logger, string command, int exitCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reduce: '{Command}' could not run: {Reason}")]
    private static partial void LogReduceFailed(ILogger logger, string command, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Woke up after a reduced-power period")]
    private static partial void LogWokeUp(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wake request sent to {HostId}")]
    private static partial void LogWakeSent(ILogger logger, string hostId);
}
