using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Prescient.Hypervisor.Qemu;

/// <summary>VM definitions and run-state files on disk, and adopting a VM QEMU left running after a restart.</summary>
public sealed partial class QemuHost
{
    private QemuVmPaths PathsFor(string vmId, string instance)
    {
        // Unix socket paths are limited to 107 bytes: the socket gets a short hashed name, the console log a readable one.
        var tag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vmId + "|" + instance)))[..12];
        return new QemuVmPaths(
            Path.Combine(_options.RunDirectory, $"q-{tag}.qmp"),
            Path.Combine(_options.RunDirectory, $"{vmId}.{tag}.console"),
            Path.Combine(_options.RunDirectory, $"q-{tag}.pid"));
    }

    private string DefinitionFile(string vmId) => Path.Combine(_options.VmDirectory, vmId + ".json");

    private string StateFile(string vmId) => Path.Combine(_options.RunDirectory, vmId + ".paths.json");

    private async Task SaveDefinitionAsync(QemuVmDefinition definition, QemuVmPaths paths, CancellationToken cancellationToken)
    {
        await WriteAtomicallyAsync(DefinitionFile(definition.VmId), JsonSerializer.Serialize(definition, DefinitionJson), cancellationToken);
        await WriteAtomicallyAsync(StateFile(definition.VmId), JsonSerializer.Serialize(paths, DefinitionJson), cancellationToken);
    }

    private void ForgetDefinition(string vmId)
    {
        File.Delete(DefinitionFile(vmId));
        File.Delete(StateFile(vmId));
    }

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, text, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<bool> AdoptAsync(QemuVmDefinition definition, CancellationToken cancellationToken)
    {
        if (!File.Exists(StateFile(definition.VmId)))
        {
            return false;
        }

        var paths = JsonSerializer.Deserialize<QemuVmPaths>(await File.ReadAllTextAsync(StateFile(definition.VmId), cancellationToken), DefinitionJson);
        if (paths is null || await QemuVm.AdoptAsync(definition, paths, _log, cancellationToken) is not { } vm)
        {
            return false;
        }

        // A migration this agent was running when it stopped is rolled back: QEMU keeps the VM on this side.
        var migration = await vm.QueryMigrateAsync(cancellationToken);
        var status = migration.TryGetProperty("status", out var s) ? s.GetString() : null;
        if (status is "active" or "pre-switchover" or "setup" or "device")
        {
            await vm.ExecuteAsync("migrate_cancel", null, cancellationToken);
        }

        LogAdopted(_log, definition.VmId, vm.Pid, status ?? "none", await vm.RunStateAsync(cancellationToken));
        Own(vm);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopted VM {VmId} (QEMU pid {Pid}); migration status was {Migration}, run state {RunState}")]
    private static partial void LogAdopted(ILogger logger, string vmId, int pid, string migration, string runState);
}
