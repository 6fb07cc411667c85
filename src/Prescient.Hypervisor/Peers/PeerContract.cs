using System.Text.Json;

namespace Prescient.Hypervisor.Peers;

// The agent-to-agent calls of a migration (not part of the contract Prescient calls; served under /peer with the
// migration domain's peer token). The destination's prepare registers the migration on the source and learns the VM's
// definition; the source asks the destination where to send memory, then to resume or to drop its copy.

/// <summary>Sent by the destination's prepare to the source: this migration will move this VM to me.</summary>
public sealed record OutgoingRequest(string VmId, string DestinationHostId);

/// <summary>The source's answer: the VM as the destination must start it, and the source's hypervisor version.</summary>
public sealed record OutgoingGrant(string VmId, string Backend, JsonElement Definition, string HypervisorVersion, double MemoryMb);

/// <summary>
/// Where a prepared destination listens for the migration stream, and how far it is. QEMU: <see cref="Uri"/> is the
/// stream's address. libvirt: <see cref="Uri"/> is the destination daemon's connect URI and <see cref="MigrateUri"/>
/// the stream's address.
/// </summary>
public sealed record IncomingInfo(string MigrationId, string VmId, string Uri, string State, string? MigrateUri = null);

/// <summary>Resume the received VM. With <see cref="PageHashes"/> (the source's memory, 8 bytes per 4 KiB page, base64), the
/// destination first compares its own memory with it and refuses to resume a copy that differs.</summary>
public sealed record ResumeIncomingRequest(string? PageHashes = null);

public sealed record ResumeIncomingResponse(bool ResumeStarted, DateTimeOffset ResumedAt, int? DifferingPages, int? ComparedPages);

public sealed record DropIncomingResponse(bool Dropped, string State);
