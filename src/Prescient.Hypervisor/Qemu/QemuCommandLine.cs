namespace Prescient.Hypervisor.Qemu;

/// <summary>Where one QEMU process keeps its monitor socket, console log and pid file.</summary>
public sealed record QemuVmPaths(string QmpSocket, string ConsoleLog, string PidFile);

/// <summary>The QEMU command line of a VM definition (an argument list: nothing goes through a shell).</summary>
public static class QemuCommandLine
{
    /// <param name="incoming">A migration destination: <c>-incoming defer -S</c> (receives once, stays paused until <c>cont</c>).</param>
    /// <param name="detach">Daemonize (the VM outlives the agent) rather than run as the agent's child.</param>
    public static IReadOnlyList<string> Build(QemuVmDefinition vm, QemuVmPaths paths, bool incoming, bool detach)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(paths);
        var args = new List<string>
        {
            "-name", vm.VmId,
            "-accel", vm.Accelerator,
            "-cpu", vm.CpuModel,
            "-machine", vm.Machine,
            "-m", vm.MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", vm.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-display", "none",
            "-nodefaults",
            "-no-user-config",
            "-serial", "file:" + paths.ConsoleLog,
            "-qmp", $"unix:{paths.QmpSocket},server=on,wait=off",
        };
        if (vm.Kernel is not null)
        {
            args.AddRange(["-kernel", vm.Kernel]);
        }

        if (vm.Initrd is not null)
        {
            args.AddRange(["-initrd", vm.Initrd]);
        }

        if (vm.Append is not null)
        {
            args.AddRange(["-append", vm.Append]);
        }

        var index = 0;
        foreach (var disk in vm.Disks ?? [])
        {
            // file.locking=on is QEMU's default for files; stated because the migration's atomic lock relies on it.
            args.AddRange(["-drive", $"file={disk.Path},format={disk.Format},if=virtio,id=disk{index++},file.locking=on"]);
        }

        args.AddRange(vm.ExtraArgs ?? []);
        if (incoming)
        {
            args.AddRange(["-incoming", "defer", "-S"]);
        }

        if (detach)
        {
            args.AddRange(["-daemonize", "-pidfile", paths.PidFile]);
        }

        return args;
    }
}
