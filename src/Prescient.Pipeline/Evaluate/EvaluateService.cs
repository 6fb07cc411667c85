using Prescient.Core.Migration;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Forecasting;
using Prescient.Core.Selection;
using Prescient.Core.Settings;
using Prescient.Pipeline.Forecasts;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

public sealed record EvaluateOptions
{
    /// <summary>Periods predicted ahead for the selection's peak load (the first is the running period).</summary>
    public int LookaheadPeriods { get; init; } = 3;

    /// <summary>CPU capacity of a host with no inventory, relative to the fleet's reference host.</summary>
    public double DefaultCpuCapacity { get; init; } = 1.0;

    /// <summary>Memory of a host with no inventory, in MB.</summary>
    public double DefaultMemoryMb { get; init; } = 256 * 1024;

    /// <summary>Hosts evaluated at once (each reads a few rows and a model).</summary>
    public int Parallelism { get; init; } = 8;
}

/// <summary>One host's controller run in a cycle (before fleet planning).</summary>
public sealed record HostEvaluation(
    string HostId,
    Decision? Decision,
    ControllerState? NewState,
    HostState? State,
    HostSettings? Settings,
    HostView? View,
    IReadOnlyList<VmInfo> Vms,
    string? Skipped)
{
    /// <summary>The host already has a decision for this cycle: nothing is written for it again.</summary>
    public bool AlreadyEvaluated { get; init; }

    /// <summary>The host's forecast (selected model, mean and upper per period ahead; null when none).</summary>
    public HostForecast? Forecast { get; init; }
}

public sealed record EvaluationCycleResult(
    string CycleId,
    IReadOnlyList<DecisionRecord> Decisions,
    int MigrationsStarted,
    int MigrationsRefused,
    int EvacuationsStarted);

/// <summary>
/// The evaluation cycle (one per period): for each host, load its state, the last measured windows and its forecast
/// (<see cref="HostForecastReader"/>: the selected model's mean and upper quantile), run Core's controller, then plan the fleet's moves with Core's selection (VM selector, destination
/// selector, migration guard; busy VMs are left alone), hand them to <see cref="IMigrationScheduler"/> (dry-run
/// hosts: recorded only), and store one decision row per host with its explanation and actions. The controller
/// state is written with the ETag it was read with, so a second evaluator racing on the same host backs off.
/// A host is evaluated once per cycle (period): a timer firing twice changes nothing. The controller state is
/// committed before actions are handed over, so a crash in between skips that cycle's actions (at most once per
/// cycle); the next cycle re-evaluates the host, and migration ids are deterministic per cycle and unit, so the
/// scheduler refuses a repeat.
/// </summary>
public sealed partial class EvaluateService(
    WindowStore windows,
    ModelStore models,
    HostStateStore hosts,
    SettingsStore settings,
    DecisionStore decisions,
    IMigrationScheduler scheduler,
    TimeProvider timeProvider,
    ILogger<EvaluateService> logger,
    EvaluateOptions? options = null,
    HostForecastReader? forecasts = null)
{
    /// <summary>Not a valid host id, so it resolves to the global settings: the fleet-wide caps of the migration guard.</summary>
    private const string FleetScope = "(fleet)";

    /// <summary>The decision note of a host asleep: no controller run, but a destination to wake.</summary>
    public const string SleepingNote = "sleeping: no telemetry; available as a destination to wake";

    private readonly EvaluateOptions _options = options ?? new EvaluateOptions();
    private readonly HostForecastReader _forecasts = forecasts ?? new HostForecastReader(windows, models, new FleetModelCache(models));
    private readonly VmSelector _vmSelector = new();

    private PeriodCalendar Calendar => windows.Calendar;

    public async Task<EvaluationCycleResult> RunCycleAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var current = Calendar.PeriodOf(now);
        var cycleId = CycleIds.Of(current);
        var (document, _) = await settings.GetAsync(cancellationToken);
        var hostIds = await hosts.ListHostIdsAsync(cancellationToken);
        var busy = await scheduler.GetBusyVmIdsAsync(cancellationToken);

        var evaluations = new HostEvaluation[hostIds.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, hostIds.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (i, ct) => evaluations[i] = await EvaluateHostAsync(hostIds[i], document, now, cycleId, ct));

        // Commit each evaluated host's controller state first: a host another evaluator already did is dropped.
        var committed = new List<HostEvaluation>();
        var sleeping = new List<HostView>();
        var records = new Dictionary<string, (HostEvaluation Evaluation, List<DecisionMigration> Migrations, List<string> Notes)>(StringComparer.Ordinal);
        foreach (var evaluation in evaluations)
        {
            if (evaluation.AlreadyEvaluated)
            {
                continue;
            }

            if (evaluation.Decision is null || evaluation.NewState is null)
            {
                if (evaluation.View is { PowerState: PowerState.Reduced } asleep)
                {
                    sleeping.Add(asleep);
                }

                records[evaluation.HostId] = (evaluation, [], [evaluation.Skipped ?? "not evaluated"]);
                continue;
            }

            var previous = evaluation.State?.IndicationSince;
            var since = evaluation.State is { } s && s.LastDecision is not null && previous is not null &&
                        ControllerStateOf(s)?.LastDecision?.Indication == evaluation.Decision.Indication
                ? previous
                : now;
            var stored = await hosts.TryUpdateControllerAsync(
                evaluation.HostId,
                evaluation.NewState.Mode.ToString(),
                Encoding.UTF8.GetString(evaluation.NewState.ToJson()),
                evaluation.Decision.Reason,
                now,
                cycleId,
                since,
                evaluation.State?.ETag ?? default,
                cancellationToken,
                evaluation.State?.ControllerStateJson);
            if (!stored)
            {
                LogLostRace(logger, evaluation.HostId, cycleId);
                continue;
            }

            committed.Add(evaluation with { State = evaluation.State is null ? null : evaluation.State with { IndicationSince = since } });
            records[evaluation.HostId] = (evaluation, [], []);
        }

        var (started, refused, evacuations) = await PlanAndStartAsync(committed, sleeping, busy, document, now, cycleId, records, cancellationToken);

        var written = new List<DecisionRecord>();
        foreach (var (hostId, (evaluation, migrations, notes)) in records.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var record = new DecisionRecord(
                hostId, cycleId, now, evaluation.Settings?.DryRun ?? false, evaluation.Decision,
                Summarise(evaluation, migrations, notes), migrations, notes);
            await decisions.WriteAsync(record, Calendar.StartOf(current), cancellationToken);
            written.Add(record);
        }

        LogCycle(logger, cycleId, written.Count, started, refused, evacuations);
        return new EvaluationCycleResult(cycleId, written, started, refused, evacuations);
    }

    /// <summary>Runs the controller for one host (no writes): the unit of work of a fan-out.</summary>
    public async Task<HostEvaluation> EvaluateHostAsync(string hostId, SettingsDocument document, DateTimeOffset now, string cycleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        HostEvaluation Skip(string why, HostState? state = null) => new(hostId, null, null, state, null, null, [], why);

        var state = await hosts.GetAsync(hostId, cancellationToken);
        if (state?.LastCycleId == cycleId)
        {
            return Skip("already evaluated in cycle " + cycleId, state) with { AlreadyEvaluated = true };
        }

        var current = Calendar.PeriodOf(now);
        HostSettings hostSettings;
        DayCategorizer categorizer;
        try
        {
            categorizer = document.DayCategorizer();
            hostSettings = document.ResolveHost(hostId, categorizer.CategoryOf(current.Date));
        }
        catch (SettingsValidationException exception)
        {
            return Skip("invalid settings: " + string.Join(" ", exception.Errors), state);
        }

        var last = Calendar.Previous(current);
        var beforeLast = Calendar.Previous(last);
        var recent = await windows.GetAsync(hostId, beforeLast, current, cancellationToken);
        var measuredWindow = recent.FirstOrDefault(w => w.Period == last && w.Count > 0);
        if (measuredWindow is null)
        {
            return StoredPowerOf(state) == PowerState.Reduced
                ? SleepingCandidate(hostId, state!, hostSettings)
                : Skip(string.Create(CultureInfo.InvariantCulture, $"no measurement for period {last}"), state);
        }

        var measured = measuredWindow.Mean;
        var previousWindow = recent.FirstOrDefault(w => w.Period == beforeLast && w.Count > 0);

        // The forecast: the selected model's mean and upper quantile of the running period and the next ones.
        HostForecast? forecast = null;
        if (hostSettings.NetworkMode != NetworkMode.Disabled)
        {
            try
            {
                forecast = await _forecasts.ForecastAsync(hostId, categorizer, current, cancellationToken);
            }
            catch (FormatException exception)
            {
                LogUnreadableModel(logger, hostId, exception.Message);
            }
        }

        var predictedNext = forecast?.Mean.Take(_options.LookaheadPeriods).ToList() ?? [];
        var predicted = forecast?.Next;
        var error = forecast?.PreviousError;

        var controllerState = (state is null ? null : ControllerStateOf(state)) ?? ControllerState.Initial;
        var (decision, newState) = HostController.Evaluate(controllerState, new ControllerInput(measured, predicted, error, now) { PredictedUpper = forecast?.PeakUpper }, hostSettings);

        var latestVms = recent.Where(w => w.Vms is not null).MaxBy(w => w.VmsSequence)?.Vms ?? [];
        var vms = latestVms
            .Select(v =>
            {
                var vmSettings = document.ResolveVm(v.VmId);
                return new VmInfo(v.VmId, vmSettings.GroupId, vmSettings.Priority, vmSettings.AutoMigrate, v.Cpu, v.MemoryMb, v.DirtyRateMbps);
            })
            .ToList();
        // A host that sends telemetry is running, whatever an older power-state write said; only an operator's
        // Unavailable keeps it from receiving VMs.
        var power = StoredPowerOf(state) == PowerState.Unavailable ? PowerState.Unavailable : PowerState.On;
        var range = decision.ModeAfter == ControllerMode.Proactive ? hostSettings.ProactiveRange : hostSettings.ReactiveRange;
        var view = new HostView(
            hostId,
            state?.CpuCapacity ?? _options.DefaultCpuCapacity,
            state?.MemoryMb ?? _options.DefaultMemoryMb,
            vms.Sum(v => v.MemoryMb),
            measured,
            decision.ModeAfter == ControllerMode.Proactive ? predictedNext : [],
            power,
            range);
        return new HostEvaluation(hostId, decision, newState, state, hostSettings, view, vms, null) { Forecast = forecast };
    }

    /// <summary>
    /// A powered-down host sends no telemetry: it gets no decision, but it is offered to destination selection as a
    /// host to wake (after every running host), empty and idle, with its inventory and its settings' range.
    /// </summary>
    private HostEvaluation SleepingCandidate(string hostId, HostState state, HostSettings hostSettings)
    {
        var range = ControllerStateOf(state)?.Mode == ControllerMode.Proactive ? hostSettings.ProactiveRange : hostSettings.ReactiveRange;
        var view = new HostView(
            hostId,
            state.CpuCapacity ?? _options.DefaultCpuCapacity,
            state.MemoryMb ?? _options.DefaultMemoryMb,
            0,
            0,
            [],
            PowerState.Reduced,
            range);
        return new HostEvaluation(hostId, null, null, state, hostSettings, view, [], SleepingNote);
    }

    /// <summary>The stored power state: null when none was stored or it is not one the selection knows.</summary>
    private static PowerState? StoredPowerOf(HostState? state) => state?.PowerState?.Trim().ToUpperInvariant() switch
    {
        "ON" or "RUNNING" => PowerState.On,
        "SLEEPING" or "REDUCED" or "REDUCEDPOWER" => PowerState.Reduced,
        "UNAVAILABLE" => PowerState.Unavailable,
        _ => null,
    };

    private async Task<(int Started, int Refused, int Evacuations)> PlanAndStartAsync(
        List<HostEvaluation> committed,
        List<HostView> sleeping,
        IReadOnlySet<string> busy,
        SettingsDocument document,
        DateTimeOffset now,
        string cycleId,
        Dictionary<string, (HostEvaluation Evaluation, List<DecisionMigration> Migrations, List<string> Notes)> records,
        CancellationToken cancellationToken)
    {
        int started = 0, refused = 0, evacuations = 0;
        // Sleeping hosts are offered after the running ones (the selector wakes one only if nothing running fits).
        var views = committed.Where(e => e.View is not null).Select(e => e.View!).Concat(sleeping).ToList();
        var acting = committed.Where(e => e.Decision!.Indication != Indication.None).ToList();
        if (acting.Count == 0)
        {
            return (0, 0, 0);
        }

        // Hosts being offloaded or powered down receive nothing this cycle.
        var destinations = new DestinationSelector(views, acting.Select(e => e.HostId));
        var plan = new List<PlannedMigration>();
        foreach (var evaluation in acting.Where(e => e.Decision!.Indication == Indication.Offload).OrderByDescending(e => e.Decision!.ComparedWorkload))
        {
            var notes = records[evaluation.HostId].Notes;
            var movable = evaluation.Vms.Where(v => !busy.Contains(v.VmId)).ToList();
            var busyHere = evaluation.Vms.Count - movable.Count;
            if (busyHere > 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{busyHere} VM(s) already migrating were left out of the selection."));
            }

            var selection = _vmSelector.Offload(movable, evaluation.Decision!.ComparedWorkload, evaluation.View!.Range.High);
            notes.Add("Selection: " + selection.Reason);
            foreach (var unit in selection.Units)
            {
                var placement = destinations.Place(unit, evaluation.HostId);
                if (placement.Placed)
                {
                    plan.Add(PlannedMigration.From(placement, Indication.Offload));
                }
                else
                {
                    notes.Add($"No destination for {unit.Id}: {placement.Reason}");
                }
            }
        }

        var lastMoved = await hosts.GetVmMovesAsync(cancellationToken);
        var indicationSince = committed.ToDictionary(e => e.HostId, e => e.State?.IndicationSince ?? now, StringComparer.Ordinal);
        // Only hosts with predictions can say how long their overload lasts; the others are not judged on cost-benefit.
        var overload = committed.Where(e => e.View is { PredictedNext.Count: > 0 }).ToDictionary(
            e => e.HostId,
            e => MigrationGuard.OverloadDuration(e.View!.PredictedNext, e.View.Range.High, Calendar.PeriodLength),
            StringComparer.Ordinal);
        var guardSettings = document.ResolveHost(FleetScope);
        var guarded = MigrationGuard.Filter(plan, new GuardContext(now, lastMoved, indicationSince, overload), guardSettings);
        foreach (var rejected in guarded.Rejected)
        {
            records[rejected.Migration.SourceHostId].Migrations.Add(new DecisionMigration(
                MigrationIdOf(cycleId, rejected.Migration), [.. rejected.Migration.Unit.Vms.Select(v => v.VmId)], rejected.Migration.Unit.GroupId,
                rejected.Migration.DestinationHostId, rejected.Migration.WakesHost, $"not started: {rejected.Rule}: {rejected.Reason}"));
        }

        foreach (var move in guarded.Approved)
        {
            var (evaluation, migrations, _) = records[move.SourceHostId];
            var id = MigrationIdOf(cycleId, move);
            var vmIds = move.Unit.Vms.Select(v => v.VmId).ToList();
            if (evaluation.Settings!.DryRun)
            {
                migrations.Add(new DecisionMigration(id, vmIds, move.Unit.GroupId, move.DestinationHostId, move.WakesHost, "dry run: not started"));
                continue;
            }

            var request = new MigrationRequest(id, move.SourceHostId, move.DestinationHostId, vmIds, move.Unit.GroupId, evaluation.Decision!.Reason, now)
            {
                WakeDestination = move.WakesHost,
            };
            var result = await scheduler.StartAsync(request, cancellationToken);
            if (result.Started)
            {
                started++;
                await hosts.RecordVmMovesAsync(vmIds, now, cancellationToken);
            }
            else
            {
                refused++;
            }

            migrations.Add(new DecisionMigration(id, vmIds, move.Unit.GroupId, move.DestinationHostId, move.WakesHost,
                result.Started ? "started" : "refused: " + result.RefusalReason));
        }

        foreach (var evaluation in acting.Where(e => e.Decision!.Indication == Indication.ReducePower))
        {
            var notes = records[evaluation.HostId].Notes;
            if (evaluation.Settings!.DryRun)
            {
                notes.Add("Reduce power: dry run, evacuation not started.");
                continue;
            }

            if (evaluation.Vms.Any(v => busy.Contains(v.VmId)))
            {
                notes.Add("Reduce power: a VM is already migrating; evacuation waits for the next cycle.");
                continue;
            }

            var result = await scheduler.StartEvacuationAsync($"evacuate-{evaluation.HostId}-{cycleId}", evaluation.HostId, evaluation.Decision!.Reason, cancellationToken);
            if (result.Started)
            {
                evacuations++;
            }

            notes.Add(result.Started ? "Reduce power: evacuation started." : "Reduce power: evacuation refused: " + result.RefusalReason);
        }

        return (started, refused, evacuations);
    }

    private static string MigrationIdOf(string cycleId, PlannedMigration move) =>
        TableKeys.Escape($"mig-{cycleId}-{move.SourceHostId}-{move.Unit.Id}");

    private static ControllerState? ControllerStateOf(HostState state)
    {
        if (state.ControllerStateJson is not { } json)
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

    private static string Summarise(HostEvaluation evaluation, List<DecisionMigration> migrations, List<string> notes)
    {
        if (evaluation.Decision is not { } d)
        {
            return "Not evaluated: " + (evaluation.Skipped ?? string.Join(" ", notes));
        }

        var text = new StringBuilder(d.Reason);
        if (migrations.Count > 0)
        {
            text.Append(' ').Append(string.Join("; ", migrations.Select(m => $"{string.Join(",", m.VmIds)} -> {m.DestinationHostId}: {m.Outcome}")));
        }

        foreach (var note in notes)
        {
            text.Append(' ').Append(note);
        }

        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation cycle {CycleId}: {Hosts} decisions, {Started} migrations started, {Refused} refused, {Evacuations} evacuations")]
    private static partial void LogCycle(ILogger logger, string cycleId, int hosts, int started, int refused, int evacuations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostId} was evaluated by another evaluator in cycle {CycleId}; its decision here is dropped")]
    private static partial void LogLostRace(ILogger logger, string hostId, string cycleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model of host {HostId} cannot be read ({Message}); evaluating without a prediction")]
    private static partial void LogUnreadableModel(ILogger logger, string hostId, string message);
}
