using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Planning;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Local.Benchmarks;

/// <summary>
/// One evaluation cycle over the fleet (<see cref="EvaluateService"/>: the fleet read in bulk, Core's planner, the
/// controller states and decisions written in batches), and the same cycle's reads and writes as evaluate made them
/// before (host by host: its state, its windows of the earlier layout, its model, its controller write, its decision
/// write) on fewer hosts, scaled, plus the same planning.
/// </summary>
internal static class EvaluateRun
{
    /// <summary>A clock stopped at one instant: the cycle right after the period the agents' batches fell in.</summary>
    public sealed class StoppedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }

    public sealed record Outcome(double Seconds, double ReadSeconds, double PlanSeconds, int Decisions, double OldLayoutSeconds);

    /// <summary>Accepts every start and runs nothing (the benchmark measures the evaluator, not the migrations).</summary>
    private sealed class AcceptingScheduler : IMigrationScheduler
    {
        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MigrationStartResult(request.MigrationId, true, null));

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MigrationStartResult(request.EvacuationId, true, null));

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
    }

    public static async Task<Outcome> RunAsync(
        PrescientStorage storage,
        WindowStore windows,
        HostStateStore hosts,
        ModelStore models,
        PeriodRowWindowStore oldWindows,
        HostStateStore oldHosts,
        IReadOnlyList<string> oldHostIds,
        int fleetHosts,
        TimeProvider time,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var calendar = windows.Calendar;
        var scheduler = new AcceptingScheduler();
        var settings = new SettingsStore(storage.Table(n => n.Settings), time);
        var decisions = new DecisionStore(storage.Table(n => n.Decisions));
        var options = new EvaluateOptions();
        var reader = new FleetSnapshotReader(windows, models, hosts, settings, scheduler, null, NullLogger<FleetSnapshotReader>.Instance, options);
        var service = new EvaluateService(reader, hosts, decisions, scheduler, calendar, time, NullLogger<EvaluateService>.Instance, options);
        var now = time.GetUtcNow();
        var cycleId = "bench-read";
        var current = calendar.PeriodOf(now);
        var beforeLast = calendar.Previous(calendar.Previous(current));

        // The read alone and the planning alone (neither writes), then the whole cycle.
        var clock = Stopwatch.StartNew();
        var read = await reader.ReadAsync(now, cycleId, cancellationToken);
        var readSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var plan = FleetPlanner.Plan(read.Snapshot, options.Planner);
        var planSeconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  series layout: the fleet read in {readSeconds:0.00} s ({read.Snapshot.Hosts.Count:N0} hosts, models read and kept), planned in {planSeconds:0.00} s ({plan.Moves.Count} moves)"));
        clock.Restart();
        var cycle = await service.RunCycleAsync(cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  series layout: a cycle of {cycle.Decisions.Count:N0} decisions ({cycle.MigrationsStarted} migrations) in {seconds:0.00} s"));

        // Before: per host, its state, its three windows, its model (none here: a 404), then its controller write and
        // its decision write, 8 hosts at a time.
        clock.Restart();
        await Parallel.ForEachAsync(oldHostIds, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken }, async (hostId, ct) =>
        {
            var state = await oldHosts.GetAsync(hostId, ct);
            await oldWindows.GetAsync(hostId, beforeLast, current, ct);
            await models.GetCurrentAsync(hostId, ct);
            await oldHosts.TryUpdateControllerAsync(hostId, "Reactive", "{}", "bench", now, cycleId, null, state?.ETag ?? default, ct, state?.ControllerStateJson);
            await decisions.Table.UpsertEntityAsync(
                new Azure.Data.Tables.TableEntity(hostId, TableKeys.NewestFirst(calendar.StartOf(current))) { ["Json"] = Encoding.UTF8.GetString(new byte[600]) },
                Azure.Data.Tables.TableUpdateMode.Replace,
                ct);
        });
        var oldSeconds = clock.Elapsed.TotalSeconds * fleetHosts / oldHostIds.Count + planSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  earlier layout, host by host: {clock.Elapsed.TotalSeconds:0.00} s for {oldHostIds.Count:N0} hosts, {oldSeconds:0.0} s scaled to {fleetHosts:N0} with the same planning"));
        return new Outcome(seconds, readSeconds, planSeconds, cycle.Decisions.Count, oldSeconds);
    }
}
