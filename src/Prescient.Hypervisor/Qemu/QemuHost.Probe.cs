using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Prescient.Hypervisor.Qemu;

/// <summary>What the installed QEMU offers: version, machine types, CPU models, KVM.</summary>
public sealed partial class QemuHost
{
    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var version = await RunQemuAsync("--version", cancellationToken);
        var match = VersionPattern().Match(version);
        QemuVersion = match.Success ? new Version(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)) : new Version(0, 0, 0);
        Machines = Names(await RunQemuAsync("-machine help", cancellationToken));
        CpuModels = Names(await RunQemuAsync("-cpu help", cancellationToken));
        KvmAvailable = File.Exists("/dev/kvm");
    }

    private static HashSet<string> Names(string help) =>
        help.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))
            .ToHashSet(StringComparer.Ordinal);

    private async Task<string> RunQemuAsync(string arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.QemuBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments.Split(' '))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_options.QemuBinary} did not start");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return output;
    }

    [GeneratedRegex(@"version (\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
