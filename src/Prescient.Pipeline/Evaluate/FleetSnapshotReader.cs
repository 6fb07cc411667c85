using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;
using Prescient.Forecasting.Hosts;
using Prescient.Pipeline.Forecasts;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>
/// Reads what one evaluation cycle needs into a <see cref="FleetSnapshot"/>: per host its stored state, settings,
/// the last measured windows (load and VMs), its selected model's forecast (mean and upper quantile, through
/// <see cref="HostForecastReader"/>); the VMs' last moves; the migrations in flight.
/// In a few queries whatever the fleet's size (docs/scale.md): every host's state is one query over the hosts
/// partition, every host's newest windows and latest VM list one query per window partition over the host heads
/// (docs/adr/0003), the VM moves one query. Models are kept between cycles and read again only when a host's state
/// names another version than the one kept (a retrain records the version it stores), so a cycle reads only the
/// models retrained since the one before; the windows the models look at are read for the fleet at once.
/// </summary>
public sealed partial class FleetSnapshotReader(
    WindowStore windows,
    ModelStore models,
    HostStateStore hosts,
    SettingsStore settings,
    IMigrationScheduler scheduler,
    IMigrationRecordStore? records,
    ILogger<FleetSnapshotReader> logger,
    EvaluateOptions options,
    HostForecastReader? forecasts = null)
{
    private readonly HostForecastReader _forecasts = forecasts ?? new HostForecastReader(windows, models, new FleetModelCache(models));

    /// <summary>Not a valid host id, so it resolves to the global settings: the fleet-wide caps.</summary>
    public const string FleetScope = "(fleet)";

    private const int ModelReadParallelism = 16;

    private readonly ConcurrentDictionary<string, StoredModel> _models = new(StringComparer.Ordinal);

    private PeriodCalendar Calendar => windows.Calendar;

    /// <summary>Models kept between cycles (tests).</summary>
    internal int CachedModels => _models.Count;

    /// <summary>Reads the fleet for the cycle of <paramref name="now"/>.</summary>
    public async Task<FleetRead> ReadAsync(DateTimeOffset now, string cycleId, CancellationToken cancellationToken)
    {
        var settingsRead = settings.GetAsync(cancellationToken);
        var busyRead = scheduler.GetBusyVmIdsAsync(cancellationToken);
        var runningRead = records is null ? Task.FromResult<IReadOnlyList<MigrationRecord>>([]) : records.ListRunningAsync(cancellationToken);
        var movesRead = hosts.GetVmMovesAsync(cancellationToken);
        var states = await hosts.ListAsync(cancellationToken);
        var hostIds = states.Select(s => s.HostId).ToList();
        var latestRead = windows.GetLatestAsync(hostIds, cancellationToken);
        var modelsRead = ModelsAsync(states, cancellationToken);
        await Task.WhenAll(settingsRead, busyRead, runningRead, movesRead, latestRead, modelsRead);
        var (document, _) = await settingsRead;
        var busy = await busyRead;
        var running = await runningRead;
        var lastMoved = await movesRead;
        var latest = await latestRead;
        var outcomes = await ForecastsAsync(await modelsRead, document, Calendar.PeriodOf(now), cancellationToken);

        var read = new HostRead[states.Count];
        Parallel.For(
            0,
            states.Count,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            i => read[i] = ReadHost(states[i], latest[states[i].HostId], outcomes.GetValueOrDefault(states[i].HostId), document, now, cycleId, lastMoved));

        // Evacuation moves carry their evacuation's id ("evacuate-{host}-{cycle}.{unit}", see EvaluateService).
        var inFlight = running.Select(r => new InFlightMove(r.MigrationId, r.VmIds, r.SourceHostId, r.DestinationHostId)
        {
            Evacuation = r.MigrationId.StartsWith("evacuate-", StringComparison.Ordinal),
        }).ToList();

        // A VM that just moved can still be listed by its old host's last window: it runs where it was seen last, and
        // it is busy and holds its memory on the other host for this cycle.
        var vms = new List<VmSnapshot>();
        foreach (var copies in read.SelectMany(h => h.Vms.Select(v => (Vm: v, h.VmsAt))).GroupBy(x => x.Vm.VmId, StringComparer.Ordinal))
        {
            var ordered = copies.OrderByDescending(c => c.VmsAt).ThenBy(c => c.Vm.HostId, StringComparer.Ordinal).ToList();
            vms.Add(ordered[0].Vm);
            inFlight.AddRange(ordered.Skip(1).Select(c => new InFlightMove("seen-twice:" + c.Vm.VmId, [c.Vm.VmId], ordered[0].Vm.HostId, c.Vm.HostId)));
        }

        var covered = inFlight.SelectMany(m => m.VmIds).ToHashSet(StringComparer.Ordinal);
        var vmHost = vms.ToDictionary(v => v.VmId, v => v.HostId, StringComparer.Ordinal);
        foreach (var vmId in busy.Where(v => !covered.Contains(v) && vmHost.ContainsKey(v)).Order(StringComparer.Ordinal))
        {
            // Leased without a running record (an evacuation about to start it): busy, nothing reserved.
            inFlight.Add(new InFlightMove("lease:" + vmId, [vmId], vmHost[vmId], vmHost[vmId]));
        }

        var snapshot = new FleetSnapshot(now, [.. read.Select(h => h.Host)], vms, inFlight)
        {
            PeriodLength = Calendar.PeriodLength,
        };
        return new FleetRead(
            snapshot,
            document,
            read.ToDictionary(h => h.Host.HostId, h => h.State, StringComparer.Ordinal),
            read.Where(h => h.NotEvaluated is not null).ToDictionary(h => h.Host.HostId, h => h.NotEvaluated!, StringComparer.Ordinal));
    }

    /// <summary>One host's share of the snapshot, from what was read for the fleet (no I/O).</summary>
    private HostRead ReadHost(
        HostState state, IReadOnlyList<StoredWindow> latest, ForecastOutcome? outcome, SettingsDocument document, DateTimeOffset now, string cycleId, IReadOnlyDictionary<string, DateTimeOffset> lastMoved)
    {
        var hostId = state.HostId;
        var current = Calendar.PeriodOf(now);
        HostSettings hostSettings;
        DayCategorizer categorizer;
        string? notEvaluated = null;
        try
        {
            categorizer = document.DayCategorizer();
            hostSettings = document.ResolveHost(hostId, categorizer.CategoryOf(current.Date));
        }
        catch (SettingsValidationException exception)
        {
            // Invalid settings for this host: it is neither evaluated nor a destination.
            var unavailable = new HostSnapshot(hostId, options.DefaultCpuCapacity, 0, PowerState.Unavailable, HostSettings.Default);
            return new HostRead(unavailable, [], default, state, "invalid settings: " + string.Join(" ", exception.Errors));
        }

        var power = StoredPowerOf(state);
        var last = Calendar.Previous(current);
        var beforeLast = Calendar.Previous(last);
        var recent = latest.Where(w => w.Period >= beforeLast && w.Period <= current).ToList();
        var measuredWindow = recent.FirstOrDefault(w => w.Period == last && w.Count > 0);
        var capacity = state?.CpuCapacity ?? options.DefaultCpuCapacity;
        var host = new HostSnapshot(hostId, capacity, state?.MemoryMb ?? options.DefaultMemoryMb, PowerState.On, hostSettings)
        {
            ControllerState = ControllerStateOf(state) ?? ControllerState.Initial,
            IndicationSince = state?.IndicationSince,
        };
        if (state?.LastCycleId == cycleId)
        {
            notEvaluated = "already evaluated in cycle " + cycleId;
            host = host with { Evaluate = false };
        }

        if (measuredWindow is null)
        {
            // A host that sends no telemetry is asleep (when it was powered down) or unheard of this period.
            host = host with { PowerState = power is PowerState.Reduced or PowerState.Unavailable ? power.Value : PowerState.On };
            return new HostRead(host, [], default, state, notEvaluated ?? (power == PowerState.Reduced ? SleepingNote : $"no measurement for period {last}"));
        }

        // A host that sends telemetry is running, whatever an older power-state write said; only an operator's
        // Unavailable keeps it from receiving VMs.
        var measured = measuredWindow.Mean;
        var (forecast, error) = Forecast(outcome, hostSettings);
        host = host with
        {
            PowerState = power == PowerState.Unavailable ? PowerState.Unavailable : PowerState.On,
            MeasuredLoad = measured,
            Forecast = forecast,
            PredictionError = error,
        };
        var listed = recent.Where(w => w.Vms is not null).MaxBy(w => w.VmsSequence);
        var vms = (listed?.Vms ?? [])
            .Select(v => new VmSnapshot(v.VmId, hostId, v.Cpu * capacity, v.MemoryMb, v.DirtyRateMbps)
            {
                Settings = document.ResolveVm(v.VmId),
                LastMovedAt = lastMoved.TryGetValue(v.VmId, out var at) ? at : null,
            })
            .ToList();
        return new HostRead(host, vms, listed?.Start ?? default, state, notEvaluated);
    }

    /// <summary>
    /// The selected model's forecast for the coming periods (mean and upper quantile, cut to the lookahead) and its
    /// error on the period just measured (the autostart gate's input).
    /// </summary>
    private (HostForecast? Forecast, double? Error) Forecast(ForecastOutcome? outcome, HostSettings hostSettings)
    {
        if (hostSettings.NetworkMode == NetworkMode.Disabled || outcome is null)
        {
            return (null, null);
        }

        var forecast = outcome.Forecast;
        var periods = Math.Min(options.LookaheadPeriods, forecast.Mean.Count);
        return (new HostForecast([.. forecast.Mean.Take(periods)], [.. forecast.Upper.Take(periods)]) { Model = forecast.Model, RecentError = forecast.RecentError }, outcome.PreviousError);
    }

    /// <summary>Each host's forecast from its current model (hosts whose model cannot be read are logged and left out).</summary>
    private async Task<IReadOnlyDictionary<string, ForecastOutcome>> ForecastsAsync(
        IReadOnlyDictionary<string, StoredModel> current, SettingsDocument document, PeriodKey period, CancellationToken cancellationToken)
    {
        DayCategorizer categorizer;
        try
        {
            categorizer = document.DayCategorizer();
        }
        catch (SettingsValidationException)
        {
            return new Dictionary<string, ForecastOutcome>(StringComparer.Ordinal);
        }

        var bundles = new Dictionary<string, ForecastBundle>(StringComparer.Ordinal);
        foreach (var (hostId, model) in current)
        {
            try
            {
                bundles[hostId] = ForecastBundle.FromJson(model.Snapshot);
            }
            catch (FormatException exception)
            {
                LogUnreadableModel(logger, hostId, exception.Message);
            }
        }

        return await _forecasts.ForecastAsync(bundles, categorizer, period, cancellationToken);
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

    /// <summary>The note of a host asleep: no controller run, but a destination to wake.</summary>
    public const string SleepingNote = "sleeping: no telemetry; available as a destination to wake";

    /// <summary>The stored power state: null when none was stored or it is not one the planner knows.</summary>
    internal static PowerState? StoredPowerOf(HostState? state) => state?.PowerState?.Trim().ToUpperInvariant() switch
    {
        "ON" or "RUNNING" => PowerState.On,
        "SLEEPING" or "REDUCED" or "REDUCEDPOWER" => PowerState.Reduced,
        "UNAVAILABLE" => PowerState.Unavailable,
        _ => null,
    };

    internal static ControllerState? ControllerStateOf(HostState? state)
    {
        if (state?.ControllerStateJson is not { } json)
        {
            return null;
        }

        try
        {
            return ControllerState.FromJson(Encoding.UTF8.GetBytes(json));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record HostRead(HostSnapshot Host, IReadOnlyList<VmSnapshot> Vms, DateTimeOffset VmsAt, HostState? State, string? NotEvaluated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model of host {HostId} cannot be read ({Message}); evaluating without a prediction")]
    private static partial void LogUnreadableModel(ILogger logger, string hostId, string message);
}
