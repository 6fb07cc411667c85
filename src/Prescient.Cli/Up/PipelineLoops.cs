using System.Globalization;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retrain;

namespace Prescient.Cli.Up;

/// <summary>
/// The timer jobs of the Functions app as loops on the simulated clock: ingest drains the telemetry queue, evaluate
/// runs one cycle per period, retrain runs every few simulated hours. No period goes unevaluated: a cycle runs once the
/// period has begun and everything the agents sent before it has been ingested, and until it has run the clock may not
/// enter the next period. When the pipeline cannot keep up, the clock waits (simulated time slows down), the terminal
/// says so, and the period counts in <see cref="PeriodsBehind"/>. Every <see cref="ReconcileEvery"/> the migrations
/// are reconciled as at start-up: a workflow that ended without releasing a lease or recording its end (a step that
/// timed out) does not leave the VM looking busy.
/// </summary>
internal sealed partial class PipelineLoops(
    QueueTelemetryDrainer drainer,
    EvaluateService evaluate,
    RetrainService retrain,
    MigrationReconciler reconciler,
    SimulatedAgents agents,
    SimClock clock,
    PeriodCalendar calendar,
    TimeSpan retrainEvery,
    Action<string> say,
    ILogger logger) : IDisposable
{
    private const int DrainBatch = 500;
    private static readonly TimeSpan SayBehindEvery = TimeSpan.FromSeconds(15);

    /// <summary>Simulated time between two reconciliations of the migrations with the workflows and the hosts.</summary>
    public static readonly TimeSpan ReconcileEvery = TimeSpan.FromHours(2);

    // Ingest touches the host rows that evaluate updates with their ETag: the two take turns, so an evaluation cycle
    // is not lost to a concurrent ingest batch.
    private readonly SemaphoreSlim _hostRows = new(1, 1);
    private long _ingested;
    private long _ingestedUpTo = DateTimeOffset.MinValue.UtcTicks;
    private int _cycles;
    private int _migrationsStarted;
    private int _evacuations;
    private int _retrains;
    private int _periodsBehind;
    private DateTimeOffset _saidBehindAt = DateTimeOffset.MinValue;

    public long Ingested => Interlocked.Read(ref _ingested);

    public int Cycles => Volatile.Read(ref _cycles);

    public int MigrationsStarted => Volatile.Read(ref _migrationsStarted);

    public int Evacuations => Volatile.Read(ref _evacuations);

    public int Retrains => Volatile.Read(ref _retrains);

    /// <summary>Periods for which the clock had to wait for the pipeline (ingest or the evaluation cycle).</summary>
    public int PeriodsBehind => Volatile.Read(ref _periodsBehind);

    public string? LastError { get; private set; }

    /// <summary>True once stopping: loop failures are no longer reported.</summary>
    public bool Stopping { get; set; }

    /// <summary>Every sample published before this simulated time has been ingested.</summary>
    public DateTimeOffset IngestedUpTo => new(Interlocked.Read(ref _ingestedUpTo), TimeSpan.Zero);

    public void CountRetrain() => Interlocked.Increment(ref _retrains);

    public async Task IngestAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        do
        {
            try
            {
                var publishedUpTo = agents.PublishedUpTo;
                await _hostRows.WaitAsync(cancellationToken);
                try
                {
                    var result = await drainer.DrainAsync(DrainBatch, cancellationToken);
                    Interlocked.Add(ref _ingested, result.Accepted);
                    if (result.Payloads < DrainBatch)
                    {
                        // The queue was emptied: whatever the agents had sent when this drain began is in the windows.
                        Interlocked.Exchange(ref _ingestedUpTo, Math.Max(Interlocked.Read(ref _ingestedUpTo), publishedUpTo.UtcTicks));
                    }
                }
                finally
                {
                    _hostRows.Release();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("ingest", e);
            }
        }
        while (await TickAsync(timer, cancellationToken));
    }

    /// <summary>One evaluation cycle per period, from the period the clock is in when it starts.</summary>
    public async Task EvaluateAsync(CancellationToken deciding, CancellationToken cancellationToken)
    {
        var next = calendar.PeriodOf(clock.GetUtcNow());
        var waited = false;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await TickAsync(timer, deciding))
            {
                var start = calendar.StartOf(next);
                clock.SetCeiling(calendar.StartOf(calendar.Next(next)) - TimeSpan.FromMilliseconds(1));
                waited |= clock.Held;
                if (clock.GetUtcNow() < start || IngestedUpTo < start)
                {
                    continue;
                }

                try
                {
                    await _hostRows.WaitAsync(cancellationToken);
                    EvaluationCycleResult result;
                    try
                    {
                        result = await evaluate.RunCycleAsync(cancellationToken);
                    }
                    finally
                    {
                        _hostRows.Release();
                    }

                    Interlocked.Increment(ref _cycles);
                    Interlocked.Add(ref _migrationsStarted, result.MigrationsStarted);
                    Interlocked.Add(ref _evacuations, result.EvacuationsStarted);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Failed("evaluate", e);
                }

                // Counted in either case: a failed cycle is not retried (the next period evaluates every host again).
                waited |= clock.Held;
                if (waited)
                {
                    Behind(start);
                }

                waited = false;
                next = calendar.Next(next);
            }
        }
        finally
        {
            // No more cycles: the clock runs freely again.
            clock.SetCeiling(DateTimeOffset.MaxValue);
        }
    }

    public async Task RetrainAsync(CancellationToken deciding, CancellationToken cancellationToken)
    {
        var next = clock.GetUtcNow() + retrainEvery;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await TickAsync(timer, deciding))
        {
            if (clock.GetUtcNow() < next)
            {
                continue;
            }

            try
            {
                await retrain.RetrainFleetAsync(cancellationToken);
                CountRetrain();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("retrain", e);
            }

            next = clock.GetUtcNow() + retrainEvery;
        }
    }

    public async Task ReconcileAsync(CancellationToken deciding)
    {
        var next = clock.GetUtcNow() + ReconcileEvery;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await TickAsync(timer, deciding))
        {
            if (clock.GetUtcNow() < next)
            {
                continue;
            }

            try
            {
                var result = await reconciler.ReconcileAsync(deciding);
                if (result.RecordsReconciled + result.LeasesReleased > 0)
                {
                    LogReconciled(logger, result.RecordsReconciled, result.LeasesReleased);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("reconcile", e);
            }

            next = clock.GetUtcNow() + ReconcileEvery;
        }
    }

    public void Failed(string loop, Exception e)
    {
        if (Stopping)
        {
            return;
        }

        LastError = $"{loop}: {e.GetType().Name}: {e.Message}";
        LogLoopFailed(logger, e, loop);
    }

    public void Dispose() => _hostRows.Dispose();

    internal static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Behind(DateTimeOffset periodStart)
    {
        var behind = Interlocked.Increment(ref _periodsBehind);
        var now = DateTimeOffset.UtcNow;
        if (now - _saidBehindAt >= SayBehindEvery)
        {
            _saidBehindAt = now;
            say(string.Create(CultureInfo.InvariantCulture,
                $"Falling behind: the simulated clock waited for the pipeline (ingest and evaluation of {periodStart:ddd HH:mm}); simulated time slows down rather than skip a period ({behind} period(s) so far)."));
        }

        LogBehind(logger, periodStart, behind);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Loop} loop failed; it tries again at its next tick")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string loop);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation settled {Records} migration record(s) and released {Leases} lease(s) that no workflow held")]
    private static partial void LogReconciled(ILogger logger, int records, int leases);

    [LoggerMessage(Level = LogLevel.Information, Message = "The clock waited for the pipeline in the period starting {PeriodStart}: {Behind} period(s) behind so far")]
    private static partial void LogBehind(ILogger logger, DateTimeOffset periodStart, int behind);
}
