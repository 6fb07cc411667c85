using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Prescient.Hypervisor.Tests.RealHypervisor;

/// <summary>
/// What the real-QEMU tests need: QEMU >= 9.0 (older QEMU corrupts TCG guests' memory under multi-round pre-copy) and
/// the test guest built by tools/guest/build.sh. In CI (CI=true) a missing prerequisite fails the tests; elsewhere they
/// are skipped with the reason.
/// </summary>
internal static partial class RealQemu
{
    public const string Binary = "qemu-system-x86_64";
    private static readonly Lazy<string?> Problem = new(FindProblem);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string GuestDirectory => Environment.GetEnvironmentVariable("PRESCIENT_GUEST_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(RepositoryRoot, "artifacts", "guest");

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the tests cannot run here, or null.</summary>
    public static string? Missing => Problem.Value;

    /// <summary>Fails (in CI, or when called anyway) with the reason the tests cannot run.</summary>
    public static void Require()
    {
        if (Missing is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    private static string? FindProblem()
    {
        string output;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Binary, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{Binary} is not installed: apt-get install --no-install-recommends -t bookworm-backports qemu-system-x86 (QEMU >= 9.0; .ci/run does this).";
        }

        var match = VersionPattern().Match(output);
        if (!match.Success || int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 9)
        {
            return $"QEMU >= 9.0 is needed (found '{output.Trim()}'): older QEMU corrupts TCG guests' memory under multi-round pre-copy. Install it from bookworm-backports (.ci/run does).";
        }

        if (!File.Exists(Path.Combine(GuestDirectory, "vmlinux")) || !File.Exists(Path.Combine(GuestDirectory, "initramfs.cpio.gz")))
        {
            return $"The test guest is not built in {GuestDirectory}: run bash tools/guest/build.sh (.ci/run does).";
        }

        return null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    [GeneratedRegex(@"version (\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}

/// <summary>A test against real QEMU: skipped (with the reason) on a developer machine without it, run (and failing) in CI.</summary>
public sealed class RealHypervisorFactAttribute : FactAttribute
{
    public RealHypervisorFactAttribute()
    {
        if (RealQemu.Missing is { } problem && !RealQemu.InCi)
        {
            Skip = problem;
        }
    }
}
