using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

public sealed record HostSnapshot(string HostId, PowerState PowerState, IReadOnlyList<InstanceSnapshot> Instances);
