namespace Prescient.Hypervisor.Qemu;

internal enum OutgoingPhase
{
    Registered,
    Precopy,
    Quiesced,
    ResumeStarted,
    Finished,
    Aborted,
}
