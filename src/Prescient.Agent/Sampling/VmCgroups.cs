using System.Globalization;
using System.Text;

namespace Prescient.Agent.Sampling;

/// <summary>
/// Per-VM figures from cgroup v2: each child of the VM slice (libvirt: <c>machine.slice/machine-qemu\x2d3\x2dweb01.scope</c>)
/// is a VM; <c>cpu.stat</c> gives its CPU time (<c>usage_usec</c>) and <c>memory.current</c> its memory.
/// No slice, no VMs: an empty list.
/// </summary>
public sealed class VmCgroups(string? cgroupRoot, string slice)
{
    public string? SliceDirectory { get; } = cgroupRoot is null ? null : Path.Combine(cgroupRoot, slice);

    /// <summary>The cgroup v2 root: the configured one, else <c>/sys/fs/cgroup</c> (unified) or <c>/sys/fs/cgroup/unified</c> (hybrid).</summary>
    public static string? DetectRoot(string configured, string sysPath)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var candidate in new[] { Path.Combine(sysPath, "fs", "cgroup"), Path.Combine(sysPath, "fs", "cgroup", "unified") })
        {
            if (File.Exists(Path.Combine(candidate, "cgroup.controllers")))
            {
                return candidate;
            }
        }

        return null;
    }

    public IReadOnlyList<VmReading> Read()
    {
        if (SliceDirectory is null || !Directory.Exists(SliceDirectory))
        {
            return [];
        }

        var readings = new List<VmReading>();
        IEnumerable<string> children;
        try
        {
            children = Directory.GetDirectories(SliceDirectory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        foreach (var directory in children.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            if (!name.EndsWith(".scope", StringComparison.Ordinal) && !name.EndsWith(".service", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var cpuStat = Path.Combine(directory, "cpu.stat");
                if (!File.Exists(cpuStat) || ProcParsers.ParseCgroupCpuUsage(File.ReadAllText(cpuStat)) is not { } usage)
                {
                    continue;
                }

                ulong? memory = null;
                var memoryFile = Path.Combine(directory, "memory.current");
                if (File.Exists(memoryFile)
                    && ulong.TryParse(File.ReadAllText(memoryFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
                {
                    memory = bytes;
                }

                readings.Add(new VmReading(VmIdOf(name), usage, memory));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The VM stopped between listing and reading: it is simply absent from this sample.
            }
        }

        readings.Sort((a, b) => string.CompareOrdinal(a.VmId, b.VmId));
        return readings;
    }

    /// <summary>
    /// The VM id of a unit name: systemd escapes undone (<c>\x2d</c> is '-'), the unit suffix and libvirt's
    /// <c>machine-qemu-N-</c> prefix removed, characters outside the contract's id alphabet replaced by '_'.
    /// </summary>
    public static string VmIdOf(string unitName)
    {
        ArgumentNullException.ThrowIfNull(unitName);
        var name = unitName;
        foreach (var suffix in new[] { ".scope", ".service" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
            }
        }

        name = Unescape(name);
        if (name.StartsWith("machine-", StringComparison.Ordinal))
        {
            name = name["machine-".Length..];
        }

        // libvirt: qemu-<domain number>-<domain name>; lxc and others: <driver>-<number>-<name>.
        var parts = name.Split('-', 3);
        if (parts.Length == 3 && parts[1].Length > 0 && parts[1].All(char.IsAsciiDigit))
        {
            name = parts[2];
        }

        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@' ? c : '_');
        }

        var id = builder.ToString();
        return id.Length switch
        {
            0 => "_",
            > 128 => id[..128],
            _ => id,
        };
    }

    private static string Unescape(string name)
    {
        if (!name.Contains("\\x", StringComparison.Ordinal))
        {
            return name;
        }

        var bytes = new List<byte>(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\' && i + 3 < name.Length && name[i + 1] == 'x'
                && byte.TryParse(name.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(name[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
