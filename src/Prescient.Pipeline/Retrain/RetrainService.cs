using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Retrain;

public sealed record RetrainOptions
{
    /// <summary>How much window history a retrain reads.</summary>
    public TimeSpan History { get; init; } = TimeSpan.FromDays(28);

    /// <summary>The most recent observations held out for evaluation (72 = one day of 20-minute periods); at most a quarter of the data.</summary>
    public int HoldoutPeriods { get; init; } = 72;

    /// <summary>Epochs when training a new model.</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Epochs when updating the current model with the latest history.</summary>
    public int UpdateEpochs { get; init; } = 8;

    /// <summary>Fewest observations (pairs of consecutive measured periods) worth training on.</summary>
    public int MinObservations { get; init; } = 36;

    /// <summary>Hosts retrained at once in a fleet run (CPU-bound: about the core count).</summary>
    public int Parallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Network shape and optimiser; the seed is derived per host from this one.</summary>
    public NetworkOptions Network { get; init; } = NetworkOptions.Default;
}

/// <summary>What a host's retrain did.</summary>
public sealed record HostRetrainResult(
    string HostId,
    string Outcome,
    string? Version,
    double? HoldoutMae,
    double? BaselineMae,
    int Observations,
    TimeSpan Elapsed);

public sealed record FleetRetrainResult(IReadOnlyList<HostRetrainResult> Hosts, TimeSpan Elapsed)
{
    public int Trained => Hosts.Count(h => h.Version is not null);
}

/// <summary>
/// Retrains hosts' networks from their stored windows: builds the series of period means, holds out the most recent
/// periods, trains (a new model, or updates the current one), measures the held-out mean absolute error against the
/// last-value baseline, learns the held-out periods online, and stores the model (a new blob version) and its
/// accuracy. <see cref="RetrainHostAsync"/> is the unit of work of a fleet run (a Durable fan-out in the Functions
/// app); <see cref="ListHostsAsync"/> lists the work; <see cref="RetrainFleetAsync"/> runs it all in-process.
/// </summary>
public sealed partial class RetrainService(
    WindowStore windows,
    ModelStore models,
    HostStateStore hosts,
    SettingsStore settings,
    TimeProvider timeProvider,
    ILogger<RetrainService> logger,
    RetrainOptions? options = null)
{
    private readonly RetrainOptions _options = options ?? new RetrainOptions();

    private PeriodCalendar Calendar => windows.Calendar;

    public Task<IReadOnlyList<string>> ListHostsAsync(CancellationToken cancellationToken) => hosts.ListHostIdsAsync(cancellationToken);

    public async Task<FleetRetrainResult> RetrainFleetAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var (document, _) = await settings.GetAsync(cancellationToken);
        var hostIds = await ListHostsAsync(cancellationToken);
        var results = new HostRetrainResult[hostIds.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, hostIds.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await RetrainHostAsync(hostIds[i], document, ct));
        var elapsed = timeProvider.GetElapsedTime(started);
        LogFleet(logger, results.Length, results.Count(r => r.Version is not null), elapsed.TotalSeconds);
        return new FleetRetrainResult(results, elapsed);
    }

    public async Task<HostRetrainResult> RetrainHostAsync(string hostId, CancellationToken cancellationToken)
    {
        var (document, _) = await settings.GetAsync(cancellationToken);
        return await RetrainHostAsync(hostId, document, cancellationToken);
    }

    public async Task<HostRetrainResult> RetrainHostAsync(string hostId, SettingsDocument document, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentNullException.ThrowIfNull(document);
        var started = Stopwatch.GetTimestamp();
        HostRetrainResult Done(string outcome, string? version = null, double? holdout = null, double? baseline = null, int observations = 0)
        {
            var result = new HostRetrainResult(hostId, outcome, version, holdout, baseline, observations, Stopwatch.GetElapsedTime(started));
            LogHost(logger, hostId, outcome, holdout, baseline, observations);
            return result;
        }

        DayCategorizer categorizer;
        HostSettings hostSettings;
        try
        {
            categorizer = document.DayCategorizer();
            hostSettings = document.ResolveHost(hostId);
        }
        catch (SettingsValidationException exception)
        {
            return Done("skipped: invalid settings: " + string.Join(" ", exception.Errors));
        }

        if (hostSettings.NetworkMode == NetworkMode.Disabled)
        {
            return Done("skipped: network disabled by settings");
        }

        var now = timeProvider.GetUtcNow();
        var current = Calendar.PeriodOf(now);
        var stored = await windows.GetMeansAsync(hostId, Calendar.PeriodOf(now - _options.History), Calendar.Previous(current), cancellationToken);
        var observations = Observations(stored);
        if (observations.Count < _options.MinObservations)
        {
            return Done(string.Create(CultureInfo.InvariantCulture, $"skipped: {observations.Count} observations, {_options.MinObservations} needed"), observations: observations.Count);
        }

        var holdoutCount = Math.Min(_options.HoldoutPeriods, observations.Count / 4);
        var training = observations.Take(observations.Count - holdoutCount).ToList();
        var holdout = observations.Skip(observations.Count - holdoutCount).ToList();

        var (predictor, updating) = await LoadOrCreateAsync(hostId, hostSettings, categorizer, cancellationToken);
        double? trainingMae = null;
        var epochs = 0;
        if (predictor.Mode == NetworkMode.Training && !predictor.DisabledByDeadline)
        {
            epochs = updating ? _options.UpdateEpochs : _options.Epochs;
            trainingMae = predictor.TrainBulk(training, epochs).MeanAbsoluteError;
        }

        double? holdoutMae = null;
        double? baselineMae = null;
        if (holdout.Count > 0 && !predictor.IsDisabled)
        {
            holdoutMae = holdout.Average(o => Math.Abs(o.Workload - predictor.Predict(o.Date, o.Period, o.PreviousWorkload)!.Value));
            baselineMae = holdout.Average(o => Math.Abs(o.Workload - o.PreviousWorkload));
        }

        // The held-out periods are the most recent: learn them online too, which also fills the rolling error.
        foreach (var observation in holdout)
        {
            predictor.Observe(observation);
        }

        var version = ModelStore.VersionOf(now);
        var metadata = new ModelMetadata(
            hostId, version, now, predictor.IsDisabled ? nameof(NetworkMode.Disabled) : predictor.Mode.ToString(), predictor.NetworkCount,
            training.Count, holdout.Count, epochs, trainingMae, holdoutMae, baselineMae,
            predictor.DisabledByDeadline ? "training deadline passed without convergence" : updating ? "updated" : "new");
        await models.SaveAsync(metadata, predictor.ToSnapshot(), cancellationToken);
        await hosts.UpdateModelAsync(hostId, version, holdoutMae, metadata.NetworkMode, now, cancellationToken);
        return Done(updating ? "updated" : "trained", version, holdoutMae, baselineMae, observations.Count);
    }

    /// <summary>Observations from consecutive measured periods only (a gap breaks the "previous period" input).</summary>
    internal List<PeriodObservation> Observations(IReadOnlyList<(PeriodKey Period, int Count, double Mean)> stored)
    {
        var result = new List<PeriodObservation>(stored.Count);
        for (var i = 1; i < stored.Count; i++)
        {
            var previous = stored[i - 1];
            var window = stored[i];
            if (previous.Count > 0 && window.Count > 0 && Calendar.Next(previous.Period) == window.Period)
            {
                result.Add(new PeriodObservation(window.Period.Date, window.Period.Index, previous.Mean, window.Mean));
            }
        }

        return result;
    }

    private async Task<(WorkloadPredictor Predictor, bool Updating)> LoadOrCreateAsync(
        string hostId, HostSettings hostSettings, DayCategorizer categorizer, CancellationToken cancellationToken)
    {
        var stored = await models.GetCurrentAsync(hostId, cancellationToken);
        if (stored is not null)
        {
            try
            {
                var existing = WorkloadPredictor.FromSnapshot(stored.Snapshot, categorizer);
                if (existing.Options.NetworkPerDayCategory == hostSettings.NetworkPerDayCategory && existing.PeriodsPerDay == Calendar.PeriodsPerDay)
                {
                    existing.SetMode(hostSettings.NetworkMode);
                    return (existing, true);
                }
            }
            catch (FormatException exception)
            {
                LogUnreadableModel(logger, hostId, stored.Metadata.Version, exception.Message);
            }
            catch (ArgumentException exception)
            {
                LogUnreadableModel(logger, hostId, stored.Metadata.Version, exception.Message);
            }
        }

        var network = _options.Network with { Seed = _options.Network.Seed ^ StableHash(hostId) };
        return (WorkloadPredictor.Create(hostSettings, Calendar, categorizer, network), false);
    }

    /// <summary>FNV-1a: a per-host seed that is the same in every process (string.GetHashCode is not).</summary>
    internal static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain of host {HostId}: {Outcome} (held-out MAE {HoldoutMae}, last-value MAE {BaselineMae}, {Observations} observations)")]
    private static partial void LogHost(ILogger logger, string hostId, string outcome, double? holdoutMae, double? baselineMae, int observations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet retrain: {Hosts} hosts, {Trained} models stored in {Seconds:0.0} s")]
    private static partial void LogFleet(ILogger logger, int hosts, int trained, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The current model {Version} of host {HostId} cannot be read ({Message}); training a new one")]
    private static partial void LogUnreadableModel(ILogger logger, string hostId, string version, string message);
}
