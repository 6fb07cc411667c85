using System.Text;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Planning;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>What one evaluation cycle did.</summary>
public sealed record EvaluationCycleResult(
    string CycleId,
    IReadOnlyList<DecisionRecord> Decisions,
    int MigrationsStarted,
    int MigrationsRefused,
    int EvacuationsStarted)
{
    /// <summary>The plan the cycle carried out (what the planner decided for every host, and what it skipped).</summary>
    public CyclePlan? Plan { get; init; }
}

/// <summary>
/// The evaluation cycle (one per period): read the fleet (<see cref="FleetSnapshotReader"/>), plan it with Core's
/// <see cref="FleetPlanner"/> (the same planner <c>simulate</c> and the benchmark run), commit each host's controller
/// state, hand the moves and evacuations to <see cref="IMigrationScheduler"/> (dry-run hosts: recorded only), and
/// store one decision row per host with its explanation and actions. The controller state is written with the ETag
/// it was read with, so a second evaluator racing on the same host backs off and that host's moves are dropped.
/// A host is evaluated once per cycle: a timer firing twice changes nothing. The state is committed before actions
/// are handed over, so a crash in between skips that cycle's actions (at most once per cycle); migration ids are
/// deterministic per cycle and unit, so the scheduler refuses a repeat.
/// </summary>
public sealed partial class EvaluateService(
    FleetSnapshotReader reader,
    HostStateStore hosts,
    DecisionStore decisions,
    IMigrationScheduler scheduler,
    PeriodCalendar calendar,
    TimeProvider timeProvider,
    ILogger<EvaluateService> logger,
    EvaluateOptions? options = null)
{
    private readonly EvaluateOptions _options = options ?? new EvaluateOptions();

    public async Task<EvaluationCycleResult> RunCycleAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var current = calendar.PeriodOf(now);
        var cycleId = CycleIds.Of(current);
        var read = await reader.ReadAsync(now, cycleId, cancellationToken);
        var fleet = read.Settings.ResolveHost(FleetSnapshotReader.FleetScope);
        var plan = FleetPlanner.Plan(read.Snapshot, _options.Planner with { MaxMigrationsPerCycle = fleet.MaxMigrationsPerCycle });

        // Commit each evaluated host's controller state first: a host another evaluator already did is dropped.
        var committed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var outcome in plan.Hosts.Where(h => h.Decision is not null))
        {
            var state = read.States[outcome.HostId];
            var stored = await hosts.TryUpdateControllerAsync(
                outcome.HostId,
                outcome.State!.Mode.ToString(),
                Encoding.UTF8.GetString(outcome.State.ToJson()),
                outcome.Decision!.Reason,
                now,
                cycleId,
                outcome.IndicationSince,
                state?.ETag ?? default,
                cancellationToken,
                state?.ControllerStateJson);
            if (stored)
            {
                committed.Add(outcome.HostId);
            }
            else
            {
                LogLostRace(logger, outcome.HostId, cycleId);
            }
        }

        var actions = plan.Hosts.ToDictionary(h => h.HostId, _ => (Migrations: new List<DecisionMigration>(), Notes: new List<string>()), StringComparer.Ordinal);
        int started = 0, refused = 0, evacuations = 0;
        foreach (var move in plan.Moves.Where(m => committed.Contains(m.SourceHostId)))
        {
            var id = TableKeys.Escape($"mig-{cycleId}-{move.SourceHostId}-{move.UnitId}");
            var outcome = await StartAsync(id, move, move.Reason, now, cancellationToken);
            started += outcome.StartsWith("started", StringComparison.Ordinal) ? 1 : 0;
            refused += outcome.StartsWith("refused", StringComparison.Ordinal) ? 1 : 0;
            actions[move.SourceHostId].Migrations.Add(new DecisionMigration(id, move.VmIds, move.GroupId, move.DestinationHostId, move.WakesDestination, outcome));
        }

        foreach (var evacuation in plan.Evacuations.Where(e => committed.Contains(e.HostId)))
        {
            var (migrations, notes) = actions[evacuation.HostId];
            var evacuationId = TableKeys.Escape($"evacuate-{evacuation.HostId}-{cycleId}");
            var requests = evacuation.Moves.Select(m => Request($"{evacuationId}.{m.UnitId}", m, now)).ToList();
            migrations.AddRange(requests.Select((r, i) => new DecisionMigration(r.MigrationId, r.VmIds, r.GroupId, r.DestinationHostId, r.WakeDestination,
                evacuation.DryRun ? "dry run: not started" : "part of evacuation " + evacuationId)));
            if (evacuation.DryRun)
            {
                notes.Add("Reduce power: dry run, evacuation not started.");
                continue;
            }

            var result = await scheduler.StartEvacuationAsync(new EvacuationRequest(evacuationId, evacuation.HostId, evacuation.Reason, requests, now), cancellationToken);
            if (result.Started)
            {
                evacuations++;
                await hosts.RecordVmMovesAsync(requests.SelectMany(r => r.VmIds), now, cancellationToken);
            }

            notes.Add(result.Started ? "Reduce power: evacuation started." : "Reduce power: evacuation refused: " + result.RefusalReason);
        }

        foreach (var hostId in plan.PowerDowns.Where(committed.Contains))
        {
            var host = read.Snapshot.Hosts.First(h => h.HostId == hostId);
            if (host.Settings.DryRun)
            {
                actions[hostId].Notes.Add("Reduce power: dry run, power not reduced.");
                continue;
            }

            var evacuationId = TableKeys.Escape($"evacuate-{hostId}-{cycleId}");
            var result = await scheduler.StartEvacuationAsync(new EvacuationRequest(evacuationId, hostId, "The host runs no VM: reduce its power.", [], now), cancellationToken);
            evacuations += result.Started ? 1 : 0;
            actions[hostId].Notes.Add(result.Started ? "Reduce power: the host is empty; power-down started." : "Reduce power: refused: " + result.RefusalReason);
        }

        var written = new List<DecisionRecord>();
        foreach (var outcome in plan.Hosts)
        {
            if (read.NotEvaluated.TryGetValue(outcome.HostId, out var why) && why.StartsWith("already evaluated", StringComparison.Ordinal))
            {
                continue;
            }

            if (outcome.Decision is not null && !committed.Contains(outcome.HostId))
            {
                continue;
            }

            var (migrations, notes) = actions[outcome.HostId];
            var allNotes = outcome.Notes.Concat(notes).ToList();
            if (outcome.Decision is null && why is not null)
            {
                allNotes.Insert(0, why);
            }

            var host = read.Snapshot.Hosts.First(h => h.HostId == outcome.HostId);
            var record = new DecisionRecord(outcome.HostId, cycleId, now, host.Settings.DryRun, outcome.Decision, Summarise(outcome, migrations, allNotes), migrations, allNotes);
            await decisions.WriteAsync(record, calendar.StartOf(current), cancellationToken);
            written.Add(record);
        }

        LogCycle(logger, cycleId, written.Count, started, refused, evacuations);
        return new EvaluationCycleResult(cycleId, written, started, refused, evacuations) { Plan = plan };
    }

    private async Task<string> StartAsync(string id, PlannedMove move, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (move.DryRun)
        {
            return "dry run: not started";
        }

        var result = await scheduler.StartAsync(Request(id, move, now) with { Reason = reason }, cancellationToken);
        if (!result.Started)
        {
            return "refused: " + result.RefusalReason;
        }

        await hosts.RecordVmMovesAsync(move.VmIds, now, cancellationToken);
        return "started";
    }

    private static MigrationRequest Request(string id, PlannedMove move, DateTimeOffset now) =>
        new(id, move.SourceHostId, move.DestinationHostId, move.VmIds, move.GroupId, move.Reason, now) { WakeDestination = move.WakesDestination };

    private static string Summarise(HostOutcome outcome, List<DecisionMigration> migrations, List<string> notes)
    {
        if (outcome.Decision is not { } d)
        {
            return "Not evaluated: " + string.Join(" ", notes);
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
}
