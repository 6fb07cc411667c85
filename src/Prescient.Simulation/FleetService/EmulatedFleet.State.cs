using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>The mutable state behind the lock: hosts, VMs, migrations and their rounds.</summary>
public sealed partial class EmulatedFleet
{
    private sealed class HostState(SimHostSpec spec)
    {
        public SimHostSpec Spec { get; } = spec;

        public PowerState Power { get; set; } = spec.PowerState;

        public Dictionary<string, Instance> Instances { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? UnresponsiveUntil { get; set; }

        public FaultSpec? ArmedResumeFault { get; set; }

        public string? RefuseReason { get; set; }

        public int SlowMs { get; set; }

        public int ErrorsLeft { get; set; }
    }

    private sealed record Instance(VmRunState State, string? MigrationId);

    private sealed class VmState(SimVmSpec spec)
    {
        public string Id { get; } = spec.VmId;

        public string? GroupId { get; } = spec.GroupId;

        public double Cpu { get; set; } = spec.Cpu;

        public double MemoryMb { get; } = spec.MemoryMb;

        public double DirtyRateMBps { get; set; } = spec.DirtyRateMBps;

        public required string DiskLockHolder { get; set; }
    }

    private sealed record RoundRecord(int Round, DateTimeOffset StartedAt, double SentMb, double DirtiedMb, double Seconds);

    private sealed class MigrationState(string id, string vmId, string sourceId, string destinationId, PrepareResponse prepareAnswer)
    {
        public string Id { get; } = id;

        public string VmId { get; } = vmId;

        public string SourceId { get; } = sourceId;

        public string DestinationId { get; } = destinationId;

        public PrepareResponse PrepareAnswer { get; } = prepareAnswer;

        public HostMigrationPhase Phase { get; set; }

        public List<RoundRecord> Rounds { get; } = [];

        public double RemainingMb { get; set; }

        public double FinishedSentMb { get; set; }

        public QuiesceResponse? QuiesceAnswer { get; set; }

        public bool ResumeAcknowledged { get; set; }

        public bool IsActive => Phase is HostMigrationPhase.Prepared or HostMigrationPhase.Precopy or HostMigrationPhase.Quiesced or HostMigrationPhase.ResumeStarted;
    }
}
