using Microsoft.Extensions.Logging;

namespace Prescient.Hypervisor.Qemu;

/// <summary>Memory verification: per-page hashes of a VM's RAM, compared between source and destination before resume.</summary>
public sealed partial class QemuHost
{
    private async Task<byte[]> PageHashesAsync(QemuVm vm, string migrationId, string side)
    {
        var dump = Path.Combine(_options.RunDirectory, $"{vm.Definition.VmId}.{side}.mem");
        await vm.ExecuteAsync("pmemsave", new { val = 0L, size = (long)vm.Definition.MemoryMb * 1024 * 1024, filename = dump });
        try
        {
            return await MemoryComparison.HashPagesAsync(dump);
        }
        finally
        {
            if (!_options.KeepMemoryDumps)
            {
                File.Delete(dump);
            }

            LogDumped(_log, migrationId, side, dump);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Memory of {MigrationId} dumped on the {Side} to {File}")]
    private static partial void LogDumped(ILogger logger, string migrationId, string side, string file);
}
