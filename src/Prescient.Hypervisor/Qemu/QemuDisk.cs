namespace Prescient.Hypervisor.Qemu;

/// <summary>A disk of a VM: a file on storage both hosts of a migration see at the same path (shared storage).</summary>
public sealed record QemuDisk(string Path, string Format = "raw");
