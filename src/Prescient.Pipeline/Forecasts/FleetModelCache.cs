using System.Collections.Concurrent;
using Prescient.Core.Calendar;
using Prescient.Forecasting.Models;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Forecasts;

/// <summary>
/// The fleet's tree models loaded from the model store, by version (a version never changes once written), so
/// retrain and evaluate download and deserialise each at most once per process. Keeps the few newest versions.
/// </summary>
public sealed class FleetModelCache(ModelStore models)
{
    private const int Keep = 3;
    private readonly ConcurrentDictionary<(string Version, DayCategoryMode Mode), Lazy<Task<TreeModel?>>> _loaded = new();

    /// <summary>The tree model of <paramref name="version"/> (null when it is absent or unreadable).</summary>
    public Task<TreeModel?> GetAsync(string version, DayCategorizer categories, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(categories);
        var key = (version, categories.Mode);
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<Task<TreeModel?>>(() => LoadAsync(version, categories, cancellationToken)));
        if (_loaded.Count > Keep)
        {
            foreach (var old in _loaded.Keys.OrderByDescending(k => k.Version, StringComparer.Ordinal).Skip(Keep))
            {
                _loaded.TryRemove(old, out _);
            }
        }

        return lazy.Value;
    }

    /// <summary>Adds a model just trained (no download needed).</summary>
    public void Add(string version, DayCategorizer categories, TreeModel model)
    {
        ArgumentNullException.ThrowIfNull(categories);
        _loaded[(version, categories.Mode)] = new Lazy<Task<TreeModel?>>(Task.FromResult<TreeModel?>(model));
    }

    private async Task<TreeModel?> LoadAsync(string version, DayCategorizer categories, CancellationToken cancellationToken)
    {
        var bytes = await models.GetFleetModelAsync(version, cancellationToken);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return TreeModel.Load(bytes, categories);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
