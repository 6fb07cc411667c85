namespace Prescient.Hypervisor.Libvirt;

/// <summary>The answer of one virsh command.</summary>
public sealed record VirshResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
}
