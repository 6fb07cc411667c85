using Prescient.Core.Migration;

namespace Prescient.Hypervisor.Qemu;

/// <summary>
/// The destination's compatibility checks before it accepts a migration (memory, machine type, CPU model, accelerator,
/// QEMU version, disks).
/// </summary>
public sealed partial class QemuHost
{
    private static readonly Version FirstSafeTcgVersion = new(9, 0, 0);

    private string? Incompatibility(QemuVmDefinition vm, string sourceVersion, PrepareRequest request)
    {
        if (request.MemoryMb > 0 && Math.Abs(request.MemoryMb - vm.MemoryMb) > 1)
        {
            return $"the request says {request.MemoryMb:0} MiB of memory, the source's VM has {vm.MemoryMb} MiB";
        }

        double used;
        lock (_gate)
        {
            used = _vms.Values.Sum(v => v.Definition.MemoryMb) +
                   _incoming.Values.Where(i => i.Holds).Sum(i => i.Vm?.Definition.MemoryMb ?? 0);
        }

        var free = OfferedMemoryMb() - used;
        if (_options.MemoryMb is null)
        {
            free = Math.Min(free, _proc.Memory().AvailableMb - _options.MemoryReserveMb);
        }

        if (free < vm.MemoryMb)
        {
            return $"not enough free memory: {Math.Max(0, free):0} MiB free, {vm.MemoryMb} MiB needed";
        }

        if (!Machines.Contains(vm.Machine))
        {
            return $"this host's QEMU {QemuVersion} has no machine type '{vm.Machine}'";
        }

        if (!CpuModels.Contains(vm.CpuModel))
        {
            return $"this host's QEMU {QemuVersion} has no CPU model '{vm.CpuModel}'";
        }

        if (vm.Accelerator == "kvm" && !KvmAvailable)
        {
            return "KVM is not available on this host (/dev/kvm)";
        }

        if (vm.Accelerator == "tcg" && QemuVersion < FirstSafeTcgVersion)
        {
            return $"QEMU {QemuVersion} corrupts TCG guests' memory during multi-round pre-copy (fixed in 9.0); install QEMU >= 9.0";
        }

        if (Version.TryParse(sourceVersion, out var source) && QemuVersion < source)
        {
            return $"this host's QEMU {QemuVersion} is older than the source's {source}: QEMU migrates only to the same or a newer version";
        }

        foreach (var file in new[] { vm.Kernel, vm.Initrd }.OfType<string>().Concat((vm.Disks ?? []).Select(d => d.Path)))
        {
            if (!File.Exists(file))
            {
                return $"{file} is not visible on this host (disks and boot files must be on storage both hosts share)";
            }
        }

        return null;
    }
}
