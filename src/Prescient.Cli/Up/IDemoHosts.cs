using Prescient.Core.Migration;

namespace Prescient.Cli.Up;

/// <summary>The demo's hosts as its agents see them: the fleet simulator's model, or real QEMU hosts on this machine.</summary>
internal interface IDemoHosts
{
    /// <summary>Moves every VM's demand to its daily profile at <paramref name="now"/> (real guests follow it themselves).</summary>
    void FollowProfiles(DateTimeOffset now);

    /// <summary>The host's power, measured load and VMs, as its agent would read them.</summary>
    ValueTask<HostStatus> StatusAsync(string hostId, CancellationToken cancellationToken);
}
