namespace Prescient.Hypervisor.Qemu;

/// <summary>Where one QEMU process keeps its monitor socket, console log and pid file.</summary>
public sealed record QemuVmPaths(string QmpSocket, string ConsoleLog, string PidFile);
