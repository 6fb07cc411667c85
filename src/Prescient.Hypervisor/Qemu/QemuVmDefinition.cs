using System.Text.RegularExpressions;

namespace Prescient.Hypervisor.Qemu;

/// <summary>A disk of a VM: a file on storage both hosts of a migration see at the same path (shared storage).</summary>
public sealed record QemuDisk(string Path, string Format = "raw");

/// <summary>
/// What the QEMU backend needs to start a VM, as an operator writes it (one JSON file per VM in the agent's VM folder).
/// The destination of a migration starts the same definition with <c>-incoming defer -S</c>, so both sides agree on
/// memory, machine type, CPU model and devices. Memory in MiB.
/// </summary>
public sealed partial record QemuVmDefinition(
    string VmId,
    int MemoryMb,
    int Cpus = 1,
    string Machine = "q35",
    string CpuModel = "host",
    string Accelerator = "kvm",
    string? Kernel = null,
    string? Initrd = null,
    string? Append = null,
    IReadOnlyList<QemuDisk>? Disks = null,
    IReadOnlyList<string>? ExtraArgs = null,
    string? GroupId = null)
{
    /// <summary>The problems of this definition, empty when it can be started.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IdPattern().IsMatch(VmId ?? ""))
        {
            problems.Add($"vmId '{VmId}' must be 1-128 letters, digits, '-', '_' or '.'");
        }

        if (MemoryMb < 16)
        {
            problems.Add($"memoryMb must be at least 16 (got {MemoryMb})");
        }

        if (Cpus < 1 || Cpus > 1024)
        {
            problems.Add($"cpus must be 1-1024 (got {Cpus})");
        }

        foreach (var (name, value) in new[] { ("machine", Machine), ("cpuModel", CpuModel), ("accelerator", Accelerator) })
        {
            if (!TokenPattern().IsMatch(value ?? ""))
            {
                problems.Add($"{name} '{value}' must be a QEMU name (letters, digits, '-', '_', '.')");
            }
        }

        foreach (var (name, path) in new[] { ("kernel", Kernel), ("initrd", Initrd) })
        {
            if (path is not null && !Path.IsPathFullyQualified(path))
            {
                problems.Add($"{name} must be an absolute path (got '{path}')");
            }
        }

        foreach (var disk in Disks ?? [])
        {
            if (!Path.IsPathFullyQualified(disk.Path) || disk.Path.Contains(',', StringComparison.Ordinal))
            {
                problems.Add($"disk path '{disk.Path}' must be absolute and contain no comma");
            }

            if (!TokenPattern().IsMatch(disk.Format ?? ""))
            {
                problems.Add($"disk format '{disk.Format}' must be a QEMU format name");
            }
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TokenPattern();
}
