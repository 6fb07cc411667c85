using Prescient.Core.Migration;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Qemu;

internal enum IncomingPhase
{
    /// <summary>Refused at prepare: nothing was started.</summary>
    Refused,

    /// <summary>QEMU started with <c>-incoming defer -S</c> and listening.</summary>
    Listening,

    /// <summary>Resumed here (resume-started): the VM is this host's.</summary>
    Resumed,

    /// <summary>Dropped (abort, the migration failed, or it never came): QEMU is gone, the reservation released.</summary>
    Dropped,
}

/// <summary>The destination side of one migration: the prepared QEMU and what was answered.</summary>
internal sealed class IncomingMigration(string migrationId, PrepareRequest request, DateTimeOffset preparedAt)
{
    public string MigrationId { get; } = migrationId;

    public PrepareRequest Request { get; } = request;

    public DateTimeOffset PreparedAt { get; } = preparedAt;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public IncomingPhase Phase { get; set; } = IncomingPhase.Refused;

    public PrepareResponse? Answer { get; set; }

    public QemuVm? Vm { get; set; }

    public string Uri { get; set; } = "";

    /// <summary>QEMU's incoming migration status from its last <c>MIGRATION</c> event.</summary>
    public string QemuStatus { get; set; } = "none";

    public ResumeIncomingResponse? ResumeAnswer { get; set; }

    public bool Holds => Phase == IncomingPhase.Listening;
}
