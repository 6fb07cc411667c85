using System.Diagnostics;
using System.Globalization;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>The answer of one virsh command.</summary>
public sealed record VirshResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>Runs virsh against one daemon (an argument list, no shell) and parses its "Key: value" output.</summary>
public sealed class Virsh(string binary, string connectUri)
{
    public string ConnectUri => connectUri;

    public Task<VirshResult> RunAsync(params string[] args) => RunOnAsync(connectUri, CancellationToken.None, args);

    public Process Start(params string[] args) => Process.Start(Info(connectUri, args))!;

    public async Task<VirshResult> RunOnAsync(string uri, CancellationToken cancellationToken, params string[] args)
    {
        using var process = Process.Start(Info(uri, args)) ?? throw new InvalidOperationException($"{binary} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new VirshResult(process.ExitCode, await output, (await error).Trim());
    }

    /// <summary>"Key:   value" lines (domjobinfo, dominfo, nodeinfo) as a dictionary.</summary>
    public static Dictionary<string, string> Fields(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return fields;
    }

    /// <summary>"a.b=value" lines of <c>domstats --raw</c>.</summary>
    public static Dictionary<string, string> Stats(string output)
    {
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                stats[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return stats;
    }

    /// <summary>A size as virsh prints it ("224.508 MiB", "0.000 B", "1.5 GiB") in MiB; null when absent.</summary>
    public static double? MiB(Dictionary<string, string> fields, string key)
    {
        if (!fields.TryGetValue(key, out var text))
        {
            return null;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return (parts.Length > 1 ? parts[1] : "B") switch
        {
            "B" => value / (1024 * 1024),
            "KiB" => value / 1024,
            "MiB" => value,
            "GiB" => value * 1024,
            "TiB" => value * 1024 * 1024,
            _ => null,
        };
    }

    /// <summary>The leading number of a field ("6            " of Iteration, "178          ms" of Total downtime).</summary>
    public static long? Number(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var text) && long.TryParse(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private ProcessStartInfo Info(string uri, string[] args)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(uri);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
