namespace Prescient.Hypervisor.Power;

/// <summary>How this host powers down, and how it wakes its peers.</summary>
public sealed class PowerOptions
{
    /// <summary>The command <c>POST power {"action":"Reduce"}</c> runs (an argument list, no shell), after answering.</summary>
    public IReadOnlyList<string> ReduceCommand { get; set; } = ["systemctl", "suspend"];

    /// <summary>How this agent wakes each peer host when asked to (<c>POST peers/{hostId}/wake</c>).</summary>
    public Dictionary<string, WakeTarget> Peers { get; } = new(StringComparer.Ordinal);
}

/// <summary>One way to wake a host: a Wake-on-LAN magic packet, a Redfish reset, or IPMI (the first configured wins).</summary>
public sealed class WakeTarget
{
    /// <summary>The host's MAC address for Wake-on-LAN (<c>aa:bb:cc:dd:ee:ff</c>).</summary>
    public string? Mac { get; set; }

    /// <summary>Where the magic packet goes: the subnet's broadcast address (default 255.255.255.255).</summary>
    public string BroadcastAddress { get; set; } = "255.255.255.255";

    public int Port { get; set; } = 9;

    /// <summary>The Redfish ComputerSystem, e.g. <c>https://bmc.example/redfish/v1/Systems/1</c>.</summary>
    public Uri? RedfishSystem { get; set; }

    /// <summary>The BMC's address for <c>ipmitool -I lanplus</c>.</summary>
    public string? IpmiHost { get; set; }

    /// <summary>User for Redfish (basic authentication) or IPMI.</summary>
    public string? UserName { get; set; }

    /// <summary>A root-only file holding the BMC password (never the password itself in settings).</summary>
    public string? PasswordFile { get; set; }
}
