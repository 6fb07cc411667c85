namespace Prescient.Hypervisor.Power;

/// <summary>How this host powers down, and how it wakes its peers.</summary>
public sealed class PowerOptions
{
    /// <summary>The command <c>POST power {"action":"Reduce"}</c> runs (an argument list, no shell), after answering.</summary>
    public IReadOnlyList<string> ReduceCommand { get; set; } = ["systemctl", "suspend"];

    /// <summary>How this agent wakes each peer host when asked to (<c>POST peers/{hostId}/wake</c>).</summary>
    public Dictionary<string, WakeTarget> Peers { get; } = new(StringComparer.Ordinal);
}
