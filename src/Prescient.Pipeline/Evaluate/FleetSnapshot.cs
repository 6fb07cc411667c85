using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>What an evaluation reads about one host: its stored state, its newest windows (with its latest VM list), its current model.</summary>
public sealed record HostSnapshot(HostState? State, IReadOnlyList<StoredWindow> Latest, StoredModel? Model);

/// <summary>What an evaluation cycle reads about the fleet, read in a few queries by <see cref="FleetSnapshotReader"/>.</summary>
public sealed class FleetSnapshot(
    IReadOnlyList<string> hostIds,
    IReadOnlyDictionary<string, HostSnapshot> hosts,
    IReadOnlyDictionary<string, DateTimeOffset> vmMoves)
{
    private static readonly HostSnapshot Unknown = new(null, [], null);

    /// <summary>The registered hosts, in the hosts table's order.</summary>
    public IReadOnlyList<string> HostIds { get; } = hostIds;

    /// <summary>When the evaluator last asked to move each VM (the migration guard's cooldown).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> VmMoves { get; } = vmMoves;

    public HostSnapshot Host(string hostId) => hosts.TryGetValue(hostId, out var host) ? host : Unknown;
}
