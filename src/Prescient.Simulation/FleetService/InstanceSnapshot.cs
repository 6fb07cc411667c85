using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

public sealed record InstanceSnapshot(string VmId, VmRunState State, string? MigrationId);
