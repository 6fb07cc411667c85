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
