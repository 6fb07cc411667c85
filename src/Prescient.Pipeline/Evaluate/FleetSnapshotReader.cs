using System.Collections.Concurrent;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>
/// Reads what an evaluation cycle needs about the whole fleet in a few queries instead of a few per host: every host's
/// state (one query over the hosts partition), every host's newest windows and latest VM list (one query per window
/// partition over the host heads, docs/adr/0002), the VM move times (one query), and the hosts' current models. Models
/// are kept between cycles and read again only when a host's state names another version than the one kept (a
/// retrain records the version it stores), so a cycle reads the models retrained since the last one.
/// </summary>
public sealed class FleetSnapshotReader(WindowStore windows, HostStateStore hosts, ModelStore models)
{
    private const int ModelReadParallelism = 16;

    private readonly ConcurrentDictionary<string, StoredModel> _models = new(StringComparer.Ordinal);

    /// <summary>Models kept between cycles.</summary>
    public int CachedModels => _models.Count;

    public async Task<FleetSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var statesRead = hosts.ListAsync(cancellationToken);
        var movesRead = hosts.GetVmMovesAsync(cancellationToken);
        var states = await statesRead;
        var hostIds = states.Select(s => s.HostId).ToList();
        var latestRead = windows.GetLatestAsync(hostIds, cancellationToken);
        var modelsRead = ModelsAsync(states, cancellationToken);
        await Task.WhenAll(latestRead, modelsRead, movesRead);
        var latest = await latestRead;
        var current = await modelsRead;
        var snapshots = states.ToDictionary(
            s => s.HostId,
            s => new HostSnapshot(s, latest.TryGetValue(s.HostId, out var w) ? w : [], current.GetValueOrDefault(s.HostId)),
            StringComparer.Ordinal);
        return new FleetSnapshot(hostIds, snapshots, await movesRead);
    }

    /// <summary>One host's snapshot (a fan-out's unit of work, or a host evaluated on its own).</summary>
    public async Task<HostSnapshot> ReadHostAsync(string hostId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var stateRead = hosts.GetAsync(hostId, cancellationToken);
        var latestRead = windows.GetLatestAsync([hostId], cancellationToken);
        await Task.WhenAll(stateRead, latestRead);
        var state = await stateRead;
        var model = state is null ? null : (await ModelsAsync([state], cancellationToken)).GetValueOrDefault(hostId);
        return new HostSnapshot(state, (await latestRead)[hostId], model);
    }

    /// <summary>The current model of each host whose state names one: kept ones when the version matches, the others read (in parallel).</summary>
    private async Task<Dictionary<string, StoredModel>> ModelsAsync(IReadOnlyList<HostState> states, CancellationToken cancellationToken)
    {
        var result = new ConcurrentDictionary<string, StoredModel>(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var state in states)
        {
            if (state.ModelVersion is not { } version)
            {
                _models.TryRemove(state.HostId, out _);
            }
            else if (_models.TryGetValue(state.HostId, out var kept) && kept.Metadata.Version == version)
            {
                result[state.HostId] = kept;
            }
            else
            {
                stale.Add(state.HostId);
            }
        }

        await Parallel.ForEachAsync(stale, new ParallelOptions { MaxDegreeOfParallelism = ModelReadParallelism, CancellationToken = cancellationToken }, async (hostId, ct) =>
        {
            if (await models.GetCurrentAsync(hostId, ct) is { } model)
            {
                _models[hostId] = model;
                result[hostId] = model;
            }
        });
        return new Dictionary<string, StoredModel>(result, StringComparer.Ordinal);
    }
}
