using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Migration;

namespace Prescient.Cli.Up;

/// <summary>What a stop did with the migrations in flight.</summary>
/// <param name="Finished">Workflows that were running when the stop began and finished within the drain time.</param>
/// <param name="Interrupted">Migrations still running at the end of the drain time (recorded as interrupted).</param>
/// <param name="Abandoned">Parts that did not stop within their time (or failed to stop) and were left behind.</param>
public sealed record StopReport(int Finished, IReadOnlyList<string> Interrupted, IReadOnlyList<string> Abandoned);

/// <summary>Stopping the local pipeline: in order, bounded, once.</summary>
public sealed partial class LocalPipeline
{
    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>
    /// Stops deciding (no new evaluation cycles, so no new migrations) and waits, at most <paramref name="timeout"/>,
    /// for the migration and evacuation workflows in flight to finish, then for the agents' telemetry of the settled
    /// fleet to be ingested, so that what the API reports next is a settled fleet. Agents and ingest keep running.
    /// </summary>
    public async Task StopDecidingAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await StopDecidersAsync();
        await DrainMigrationsAsync(deadline.Token);
        var settledAt = Clock.GetUtcNow();
        while (!deadline.IsCancellationRequested && _pipelineLoops is { } loops && loops.IngestedUpTo < settledAt)
        {
            await Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    /// <summary>
    /// Stops everything, in order, each part within its own time (about 25 s in all at most, 30 s with the disposal that
    /// follows): deciding; the migrations
    /// in flight get <see cref="LocalPipelineOptions.MigrationDrain"/> to finish, and those still running are recorded
    /// as interrupted (with a data folder they resume at the next start); agents and ingest; the API; the durable
    /// runtime; the fleet; Azurite last (asked to save its data). Later calls return at once.
    /// </summary>
    public async Task<StopReport> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return new StopReport(0, [], []);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var abandoned = new List<string>();
        void Check(bool stopped, string part)
        {
            if (!stopped)
            {
                abandoned.Add(part);
            }
        }

        await StopDecidersAsync();
        var (finished, interrupted) = _durable is null ? (0, []) : await DrainInFlightAsync();

        if (_pipelineLoops is not null)
        {
            _pipelineLoops.Stopping = true;
        }

        await _stopping.CancelAsync();
        Check(await Bounded(Task.WhenAll(_loops), TimeSpan.FromSeconds(2)), "agents and ingest");
        if (_app is not null)
        {
            using var apiDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            Check(await Bounded(_app.StopAsync(apiDeadline.Token), TimeSpan.FromSeconds(2)), "API");
        }

        if (_durable is not null)
        {
            Check(await _durable.StopAsync(TimeSpan.FromSeconds(5)), "durable runtime");
        }

        _state?.SaveTime(Clock.GetUtcNow());
        if (FleetService is not null)
        {
            FleetService.Model.PlacementChanged = null;
            Check(await Bounded(FleetService.DisposeAsync().AsTask(), TimeSpan.FromSeconds(2)), "fleet simulator");
        }

        if (_azurite is not null)
        {
            // Last, and with the time left: Azurite saves its data on SIGTERM (a few seconds for a large run).
            await _azurite.StopAsync(TimeSpan.FromSeconds(Math.Max(4, 27 - watch.Elapsed.TotalSeconds)));
        }

        return new StopReport(finished, interrupted, abandoned);
    }

    /// <summary>The second Ctrl-C: kills the child processes at once (the process exits next). Nothing waits.</summary>
    public void KillChildren() => _azurite?.Kill();

    /// <summary>Stops (if not yet), then releases what is left, within a couple of seconds: the process is usually exiting.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        var rest = new List<Task>();
        if (_app is not null)
        {
            rest.Add(_app.DisposeAsync().AsTask());
        }

        if (_durable is not null)
        {
            rest.Add(_durable.DisposeAsync().AsTask());
        }

        if (_azurite is not null)
        {
            rest.Add(_azurite.DisposeAsync().AsTask());
        }

        await Bounded(Task.WhenAll(rest), TimeSpan.FromSeconds(2));
        _pipelineLoops?.Dispose();
        _decidingOrStopping?.Dispose();
        _stopping.Dispose();
        _deciding.Dispose();
    }

    private async Task StopDecidersAsync()
    {
        await _deciding.CancelAsync();
        await Bounded(Task.WhenAll(_deciders), TimeSpan.FromSeconds(5));
    }

    /// <summary>Waits for the workflows in flight (up to the drain time), then records the migrations still running as interrupted.</summary>
    private async Task<(int Finished, IReadOnlyList<string> Interrupted)> DrainInFlightAsync()
    {
        using var deadline = new CancellationTokenSource(Options.MigrationDrain);
        var before = await CountActiveAsync();
        var after = await DrainMigrationsAsync(deadline.Token);
        if (after == 0)
        {
            return (before, []);
        }

        var records = Services.GetRequiredService<IMigrationRecordStore>();
        var note = Options.AzuriteDataDirectory is { } data
            ? string.Create(CultureInfo.InvariantCulture, $"interrupted: up stopped at {Clock.GetUtcNow():yyyy-MM-dd HH:mm} (simulated); it resumes from its last step when up starts again with --data {data}")
            : "interrupted: up stopped; with everything in memory it will not resume";
        var interrupted = new List<string>();
        try
        {
            using var noteDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            foreach (var record in (await records.ListAsync(5000, noteDeadline.Token)).Where(r => r.Result == MigrationResult.Running))
            {
                if (await records.TryNoteRunningAsync(record.MigrationId, note, noteDeadline.Token))
                {
                    interrupted.Add(record.MigrationId);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNoteFailed(_logger, e);
        }

        return (Math.Max(0, before - after), interrupted);
    }

    /// <summary>Waits until no migration or evacuation workflow is active, or the token ends the wait; returns how many still are.</summary>
    private async Task<int> DrainMigrationsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var active = await CountActiveAsync();
            if (active == 0 || cancellationToken.IsCancellationRequested)
            {
                return active;
            }

            await Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Active migration and evacuation workflows (0 when the durable runtime does not answer within 3 s).</summary>
    private async Task<int> CountActiveAsync()
    {
        if (_durable is null)
        {
            return 0;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            var count = 0;
            var query = new OrchestrationQuery { Statuses = Active };
            await foreach (var instance in _durable.Client.GetAllInstancesAsync(query).WithCancellation(limit.Token))
            {
                count += instance.Name is MigrationTaskNames.MigrateOrchestrator or MigrationTaskNames.EvacuateOrchestrator ? 1 : 0;
            }

            return count;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogQueryFailed(_logger, e);
            return 0;
        }
    }

    private static async Task Delay(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The wait is over.
        }
    }

    private static async Task<bool> Bounded(Task task, TimeSpan limit)
    {
        try
        {
            await task.WaitAsync(limit);
            return true;
        }
        catch (OperationCanceledException)
        {
            // It ended by being cancelled: the loops end that way.
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Out of time (TimeoutException) or failed: the stop goes on.
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the workflows in flight failed")]
    private static partial void LogQueryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the interrupted migrations failed")]
    private static partial void LogNoteFailed(ILogger logger, Exception exception);
}
