using System.Text.Json;

namespace Prescient.Hypervisor.Qemu;

/// <summary>An asynchronous QMP event: its name, data (an empty object when it has none) and QEMU's timestamp.</summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);
