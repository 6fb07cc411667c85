using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Series;
using Prescient.Pipeline.Forecasts;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Retrain;

/// <summary>What a host's retrain did.</summary>
public sealed record HostRetrainResult(
    string HostId,
    string Outcome,
    string? Version,
    double? HoldoutMae,
    double? BaselineMae,
    int Observations,
    TimeSpan Elapsed)
{
    /// <summary>The model selected for the next period (null when nothing was stored).</summary>
    public string? Model { get; init; }
}

public sealed record FleetRetrainResult(IReadOnlyList<HostRetrainResult> Hosts, TimeSpan Elapsed)
{
    public int Trained => Hosts.Count(h => h.Version is not null);

    /// <summary>Whether the fleet tree model was retrained (a full retrain).</summary>
    public bool Full { get; init; }
}

/// <summary>A retrain run's plan: the hosts, and whether the fleet tree model is due for a full retrain.</summary>
public sealed record RetrainPlan(bool Full, IReadOnlyList<string> HostIds);

/// <summary>
/// Retrains hosts' forecasting models from their stored windows. A full retrain (when the fleet tree model is older
/// than <see cref="RetrainOptions.FullEvery"/>, or a host has no usable bundle) trains the fleet's pooled FastTree
/// model on a sample of hosts, and per host a new network on its history, then validates every model on the held-out
/// recent periods; an incremental retrain forecasts the periods measured since with the stored models, warm-starts
/// each network on the new periods plus a replay sample, and updates the residual windows. Either way it selects
/// each host's model per step ahead (never worse than last value on validation) and stores the bundle (a new blob
/// version) and its accuracy. Hosts are trained in batches (<see cref="RetrainHostsAsync"/>, the unit of work of the
/// Functions fan-out); <see cref="RetrainFleetAsync"/> runs a whole plan in-process (the local host's call).
/// </summary>
public sealed partial class RetrainService(
    WindowStore windows,
    ModelStore models,
    HostStateStore hosts,
    SettingsStore settings,
    TimeProvider timeProvider,
    ILogger<RetrainService> logger,
    RetrainOptions? options = null,
    FleetModelCache? trees = null)
{
    private readonly RetrainOptions _options = options ?? new RetrainOptions();
    private readonly FleetModelCache _trees = trees ?? new FleetModelCache(models);

    private PeriodCalendar Calendar => windows.Calendar;

    public Task<IReadOnlyList<string>> ListHostsAsync(CancellationToken cancellationToken) => hosts.ListHostIdsAsync(cancellationToken);

    /// <summary>The hosts, and whether the fleet tree model is due (none yet, or older than <see cref="RetrainOptions.FullEvery"/>).</summary>
    public async Task<RetrainPlan> PlanAsync(CancellationToken cancellationToken)
    {
        var hostIds = await ListHostsAsync(cancellationToken);
        var fleet = await models.GetCurrentFleetModelAsync(cancellationToken);
        var full = fleet is null || timeProvider.GetUtcNow() - fleet.TrainedAt >= _options.FullEvery;
        return new RetrainPlan(full, hostIds);
    }

    /// <summary>Plans, trains the fleet tree model when due, then every host in batches.</summary>
    public async Task<FleetRetrainResult> RetrainFleetAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var plan = await PlanAsync(cancellationToken);
        if (plan.Full)
        {
            await TrainFleetModelAsync(plan.HostIds, cancellationToken);
        }

        var results = new List<HostRetrainResult>(plan.HostIds.Count);
        foreach (var batch in plan.HostIds.Chunk(_options.BatchHosts))
        {
            results.AddRange(await RetrainHostsAsync(batch, cancellationToken));
        }

        var elapsed = timeProvider.GetElapsedTime(started);
        LogFleet(logger, results.Count, results.Count(r => r.Version is not null), plan.Full, elapsed.TotalSeconds);
        return new FleetRetrainResult(results, elapsed) { Full = plan.Full };
    }

    /// <summary>
    /// Trains the fleet's pooled tree model on an evenly spread sample of hosts (their history except the held-out
    /// periods) and stores it as the current version. Returns the version (null when there was too little data).
    /// </summary>
    public async Task<string?> TrainFleetModelAsync(IReadOnlyList<string> hostIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        var (document, _) = await settings.GetAsync(cancellationToken);
        var categories = document.DayCategorizer();
        var sorted = hostIds.Order(StringComparer.Ordinal).ToList();
        var stride = Math.Max(1.0, sorted.Count / (double)_options.TreeHosts);
        var sample = Enumerable.Range(0, Math.Min(sorted.Count, _options.TreeHosts)).Select(i => sorted[(int)(i * stride)]).Distinct().ToList();
        var now = timeProvider.GetUtcNow();
        var series = await ReadManyAsync(sample, now - _options.History, now, cancellationToken);
        var window = _options.Training().WindowPeriods;
        var parts = series.Where(s => s.Count > 0).Select(s => (s, 0, s.Count - Math.Min(window, s.Count / 4))).ToList();
        var tree = TreeModel.Train(parts, categories, TreeModelOptions.Default with { Horizon = _options.Horizon });
        if (tree is null)
        {
            LogNoFleetModel(logger, sample.Count);
            return null;
        }

        var version = ModelStore.VersionOf(now);
        await models.SaveFleetModelAsync(new FleetModelMetadata(version, now, sample.Count, tree.TrainingRows), tree.Save(), cancellationToken);
        _trees.Add(version, categories, tree);
        LogFleetModel(logger, version, sample.Count, tree.TrainingRows);
        return version;
    }

    /// <summary>Retrains one host (full or incremental, as due).</summary>
    public async Task<HostRetrainResult> RetrainHostAsync(string hostId, CancellationToken cancellationToken) =>
        (await RetrainHostsAsync([hostId], cancellationToken))[0];

    /// <summary>Retrains a batch of hosts: each full or incremental as due; their networks are trained together.</summary>
    public async Task<IReadOnlyList<HostRetrainResult>> RetrainHostsAsync(IReadOnlyList<string> hostIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        var started = Stopwatch.GetTimestamp();
        var (document, _) = await settings.GetAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var fleet = await models.GetCurrentFleetModelAsync(cancellationToken);
        var results = new HostRetrainResult?[hostIds.Count];
        var due = new (ForecastBundle? Previous, PredictorOptions Predictor, bool Full)?[hostIds.Count];
        DayCategorizer? categorizer = null;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, hostIds.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var hostId = hostIds[i];
                ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
                HostSettings hostSettings;
                try
                {
                    categorizer = document.DayCategorizer();
                    hostSettings = document.ResolveHost(hostId);
                }
                catch (SettingsValidationException exception)
                {
                    results[i] = Skipped(hostId, "skipped: invalid settings: " + string.Join(" ", exception.Errors), started);
                    return;
                }

                if (hostSettings.NetworkMode == NetworkMode.Disabled)
                {
                    results[i] = Skipped(hostId, "skipped: network disabled by settings", started);
                    return;
                }

                var previous = await LoadBundleAsync(hostId, ct);
                var full = previous is null || previous.Kind is null || fleet is not null && previous.TreeVersion != fleet.Version ||
                           now - previous.LastFullAt >= _options.FullEvery;
                var predictor = PredictorOptions.FromSettings(hostSettings, Calendar, _options.Network with { Seed = _options.Network.Seed ^ HostTrainer.StableHash(hostId) });
                due[i] = (previous, predictor, full);
            });

        // The history of every host due, in one bulk read per kind (full: the whole history; incremental: its recent part).
        var fullIds = Enumerable.Range(0, hostIds.Count).Where(i => due[i] is { Full: true }).ToList();
        var incrementalIds = Enumerable.Range(0, hostIds.Count).Where(i => due[i] is { Full: false }).ToList();
        var fullRead = ReadManyAsync([.. fullIds.Select(i => hostIds[i])], now - _options.History, now, cancellationToken);
        var incrementalRead = ReadManyAsync([.. incrementalIds.Select(i => hostIds[i])], now - _options.IncrementalHistory, now, cancellationToken);
        var histories = fullIds.Zip(await fullRead).Concat(incrementalIds.Zip(await incrementalRead)).ToDictionary(p => p.First, p => p.Second);
        var jobs = Enumerable.Range(0, hostIds.Count)
            .Where(i => due[i] is not null)
            .Select(i => (Input: new HostTrainingInput(hostIds[i], histories[i], due[i]!.Value.Previous, due[i]!.Value.Predictor, categorizer!, due[i]!.Value.Full), Index: i))
            .ToList();

        var tree = fleet is not null && categorizer is not null ? await _trees.GetAsync(fleet.Version, categorizer, cancellationToken) : null;
        var trained = HostTrainer.Train([.. jobs.Select(j => j.Input)], tree, tree is null ? null : fleet!.Version, _options.Training(), now);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, jobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (k, ct) => results[jobs[k].Index] = await StoreAsync(jobs[k].Input, trained[k], now, started, ct));
        return results!;
    }

    private HostRetrainResult Skipped(string hostId, string outcome, long started)
    {
        LogHost(logger, hostId, outcome, null, null, null, 0);
        return new HostRetrainResult(hostId, outcome, null, null, null, 0, Stopwatch.GetElapsedTime(started));
    }

    private async Task<HostRetrainResult> StoreAsync(HostTrainingInput input, HostTrainingResult result, DateTimeOffset now, long started, CancellationToken cancellationToken)
    {
        if (result.Bundle is not { } bundle || result.Bundle == input.Previous)
        {
            LogHost(logger, input.HostId, result.Outcome, null, null, null, result.Observations);
            return new HostRetrainResult(input.HostId, result.Outcome, null, null, null, result.Observations, Stopwatch.GetElapsedTime(started));
        }

        var chosen = bundle.Track(bundle.StepModels[0]);
        var last = bundle.Track(ModelNames.LastValue);
        double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
        var holdout = Finite(chosen?.Mae[0]);
        var baseline = Finite(last?.Mae[0]);
        var networkMode = input.Predictor.Mode.ToString();
        var version = ModelStore.VersionOf(now);
        var window = bundle.Models.Length == 0 ? 0 : bundle.Models[0].Residuals[0].Count(x => !double.IsNaN(x));
        var metadata = new ModelMetadata(
            input.HostId, version, now, networkMode, input.Predictor.NetworkPerDayCategory ? 0 : 1,
            result.Observations - window, window, input.Full ? _options.Epochs : _options.UpdateEpochs, null, holdout, baseline,
            $"{bundle.Kind}; steps: {string.Join(", ", bundle.StepModels)}")
        {
            Model = bundle.StepModels[0],
            Kind = bundle.Kind,
        };
        await models.SaveAsync(metadata, bundle.ToJson(), cancellationToken);
        await hosts.UpdateModelAsync(input.HostId, version, holdout, networkMode, now, cancellationToken);
        LogHost(logger, input.HostId, result.Outcome, bundle.StepModels[0], holdout, baseline, result.Observations);
        return new HostRetrainResult(input.HostId, result.Outcome, version, holdout, baseline, result.Observations, Stopwatch.GetElapsedTime(started))
        {
            Model = bundle.StepModels[0],
        };
    }

    private async Task<ForecastBundle?> LoadBundleAsync(string hostId, CancellationToken cancellationToken)
    {
        var stored = await models.GetCurrentAsync(hostId, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        try
        {
            return ForecastBundle.FromJson(stored.Snapshot);
        }
        catch (FormatException exception)
        {
            LogUnreadableModel(logger, hostId, stored.Metadata.Version, exception.Message);
            return null;
        }
    }

    /// <summary>
    /// Each host's period means from <paramref name="from"/> up to the period before <paramref name="until"/>'s (NaN
    /// where not measured), read for all of them at once (a few queries per window partition, docs/adr/0003).
    /// </summary>
    private async Task<List<LoadSeries>> ReadManyAsync(IReadOnlyList<string> hostIds, DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (hostIds.Count == 0)
        {
            return [];
        }

        var first = Calendar.PeriodOf(from);
        var current = Calendar.PeriodOf(until);
        var stored = await windows.GetMeansAsync(hostIds, first, Calendar.Previous(current), cancellationToken);
        return [.. hostIds.Select(h => ToSeries(first, current, stored[h]))];
    }

    private LoadSeries ToSeries(PeriodKey first, PeriodKey current, IReadOnlyList<(PeriodKey Period, int Count, double Mean)> stored)
    {
        var values = new double[Math.Max(0, new LoadSeries(first, Calendar.PeriodsPerDay, []).IndexOf(current))];
        Array.Fill(values, double.NaN);
        var series = new LoadSeries(first, Calendar.PeriodsPerDay, values);
        foreach (var (period, count, mean) in stored)
        {
            var t = series.IndexOf(period);
            if (count > 0 && t >= 0 && t < values.Length)
            {
                values[t] = mean;
            }
        }

        return series;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain of host {HostId}: {Outcome} (model {Model}, held-out MAE {HoldoutMae}, last-value MAE {BaselineMae}, {Observations} observations)")]
    private static partial void LogHost(ILogger logger, string hostId, string outcome, string? model, double? holdoutMae, double? baselineMae, int observations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet retrain: {Hosts} hosts, {Trained} models stored (full: {Full}) in {Seconds:0.0} s")]
    private static partial void LogFleet(ILogger logger, int hosts, int trained, bool full, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet tree model {Version} trained on {Hosts} hosts ({Rows} rows)")]
    private static partial void LogFleetModel(ILogger logger, string version, int hosts, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "No fleet tree model: too little history on the {Hosts} sampled hosts")]
    private static partial void LogNoFleetModel(ILogger logger, int hosts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The current model {Version} of host {HostId} cannot be read ({Message}); training a new one")]
    private static partial void LogUnreadableModel(ILogger logger, string hostId, string version, string message);
}
