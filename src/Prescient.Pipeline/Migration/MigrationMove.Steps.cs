using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;

namespace Prescient.Pipeline.Migration;

/// <summary>The move's steps: each activity raced against its timeout (and the cancel), aborts, outcome and record.</summary>
public sealed partial class MigrationMove
{
    /// <summary>Before resume-started, a cancel that has arrived stops the migration at this step boundary.</summary>
    private void ThrowIfCancelled()
    {
        if (_cancellable && _cancel.IsCompleted)
        {
            throw new MigrationCancelledException($"migration {_request.MigrationId} was cancelled");
        }
    }

    private void NoteIgnoredCancel(CancelMigration cancel)
    {
        if (_cancelNoted)
        {
            return;
        }

        _cancelNoted = true;
        _steps.Add(new StepTiming("cancel", null, Now, Now, $"ignored: {cancel.Describe()} arrived after resume-started; the migration commits"));
        LogCancelIgnored(_log, _request.MigrationId, cancel.Actor, cancel.Reason);
    }

    /// <summary>A durable timer that a cancel (before resume-started) interrupts.</summary>
    private async Task DelayAsync(TimeSpan wait)
    {
        ThrowIfCancelled();
        using var cancelTimer = new CancellationTokenSource();
        var timer = _context.CreateTimer(wait, cancelTimer.Token);
        if (_cancellable && await Task.WhenAny(timer, _cancel) == _cancel)
        {
            // Synchronous on purpose (see StepAsync).
#pragma warning disable CA1849
            cancelTimer.Cancel();
#pragma warning restore CA1849
            ThrowIfCancelled();
        }

        await timer;
    }

    private async Task<List<VmMigrationOutcome>> AbortAllAsync(IReadOnlyList<VmStepInput> vms, string reason, int rounds)
    {
        Progress("abort", null, 0);
        var outcomes = await Task.WhenAll(vms.Select(vm => AbortVmAsync(vm, reason, rounds)));
        return [.. outcomes];
    }

    private async Task<VmMigrationOutcome> AbortVmAsync(VmStepInput vm, string reason, int rounds)
    {
        var aborted = await TryAsync(() => StepAsync<AbortResponse>("abort", vm.VmId, MigrationTaskNames.Abort, vm, _policy.Timeouts.Abort, _transientRetry));
        if (aborted.Error is { } error)
        {
            return new VmMigrationOutcome(vm.VmId, MigrationResult.Failed, null, rounds, $"{reason}; abort failed: {error}");
        }

        return aborted.Value!.Aborted
            ? new VmMigrationOutcome(vm.VmId, MigrationResult.Aborted, aborted.Value.RunningOnHostId, rounds, reason)
            : new VmMigrationOutcome(vm.VmId, MigrationResult.Completed, aborted.Value.RunningOnHostId, rounds, $"{reason}; the destination had resumed the VM, so the migration commits");
    }

    private static MigrationResult Summarise(IReadOnlyCollection<VmMigrationOutcome> outcomes)
    {
        if (outcomes.Any(o => o.Result == MigrationResult.Failed))
        {
            return MigrationResult.Failed;
        }

        var moved = outcomes.Count(o => o.Result is MigrationResult.Completed or MigrationResult.CompletedWithWarnings);
        if (moved == 0)
        {
            return MigrationResult.Aborted;
        }

        if (moved < outcomes.Count)
        {
            return MigrationResult.PartiallyCompleted;
        }

        return outcomes.Any(o => o.Result == MigrationResult.CompletedWithWarnings) ? MigrationResult.CompletedWithWarnings : MigrationResult.Completed;
    }

    private MigrationOutcome Outcome(MigrationResult result, string reason, IReadOnlyList<VmMigrationOutcome> vms, DateTimeOffset startedAt) =>
        new(_request.MigrationId, result, reason, vms, [.. _steps], startedAt, Now);

    /// <summary>Runs an activity with the step's timeout: a durable timer raced with the activity (and its retries).</summary>
    /// <remarks>
    /// With <paramref name="raceCancel"/> the operator's cancel event races too: before resume-started it stops the step
    /// (the activity's answer is not waited for; the abort path follows), after it the cancel is recorded as ignored and
    /// the step goes on. Bookkeeping and abort steps never race it.
    /// </remarks>
    private async Task<T> StepAsync<T>(string step, string? vmId, string activity, object input, TimeSpan timeout, TaskOptions retry, bool record = true, bool raceCancel = false, Func<T, string>? describe = null)
    {
        if (raceCancel)
        {
            ThrowIfCancelled();
        }

        var started = Now;
        using var cancelTimer = new CancellationTokenSource();
        var call = _context.CallActivityAsync<T>(activity, input, retry);
        var timer = _context.CreateTimer(_context.CurrentUtcDateTime + timeout, cancelTimer.Token);
        Task winner;
        if (raceCancel)
        {
            winner = await Task.WhenAny(call, timer, _cancel);
            while (winner == _cancel)
            {
                if (_cancellable)
                {
#pragma warning disable CA1849
                    cancelTimer.Cancel();
#pragma warning restore CA1849
                    if (record)
                    {
                        _steps.Add(new StepTiming(step, vmId, started, Now, "interrupted by cancel"));
                    }

                    throw new MigrationCancelledException($"{step}{(vmId is null ? "" : " of " + vmId)} interrupted by cancel");
                }

                NoteIgnoredCancel(await _cancel);
                winner = await Task.WhenAny(call, timer);
            }
        }
        else
        {
            winner = await Task.WhenAny(call, timer);
        }

        if (winner != call)
        {
            if (record)
            {
                _steps.Add(new StepTiming(step, vmId, started, Now, $"timeout after {timeout}"));
            }

            throw new StepTimeoutException($"{step}{(vmId is null ? "" : " of " + vmId)} timed out after {timeout}");
        }

        // Synchronous on purpose: CancelAsync would run the timer's callback, and resume this method, off the
        // orchestrator's thread.
#pragma warning disable CA1849
        cancelTimer.Cancel();
#pragma warning restore CA1849
        try
        {
            var value = await call;
            if (record)
            {
                _steps.Add(new StepTiming(step, vmId, started, Now, describe?.Invoke(value) ?? "ok"));
            }

            return value;
        }
        catch (TaskFailedException e)
        {
            if (record)
            {
                _steps.Add(new StepTiming(step, vmId, started, Now, "failed: " + e.FailureDetails.ErrorMessage));
            }

            throw;
        }
    }

    private static async Task<(T? Value, string? Error)> TryAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return (await step(), null);
        }
        catch (TaskFailedException e)
        {
            return (default, e.FailureDetails.ErrorMessage);
        }
        catch (StepTimeoutException e)
        {
            return (default, e.Message);
        }
    }

    private async Task RecordAsync(MigrationOutcome outcome, bool ended)
    {
        var record = new MigrationRecord(
            _request.MigrationId,
            _context.InstanceId,
            _request.SourceHostId,
            _request.DestinationHostId,
            _request.VmIds,
            _request.GroupId,
            _request.Reason,
            outcome.Result,
            outcome.Reason,
            outcome.StartedAt,
            ended ? outcome.EndedAt : null,
            outcome.Steps,
            outcome.Vms);
        try
        {
            await StepAsync<bool>("record", null, MigrationTaskNames.RecordMigration, record, _policy.Timeouts.Bookkeeping, _anyRetry, record: false);
        }
        catch (Exception e) when (e is TaskFailedException or StepTimeoutException)
        {
            // The orchestration's own output and history still carry the outcome.
            LogRecordFailed(_log, _request.MigrationId, e.Message);
        }
    }

    /// <summary>The quiesce step as recorded: the downtime the host measured (QEMU's own figure on a QEMU host).</summary>
    private static string DescribeQuiesce(QuiesceResponse answer) =>
        FormattableString.Invariant($"ok: downtime {answer.DowntimeSeconds * 1000:0} ms, {answer.NonMemoryStateMb:0.#} MB sent while stopped, {answer.RemainingDirtyMb:0.#} MB left for finish");

    private void Progress(string phase, string? vmId, int round)
    {
        if (_reportProgress)
        {
            _context.SetCustomStatus(new MigrationProgress(phase, vmId, round));
        }
    }

    private sealed record PrecopyResult(PrecopyVerdict Verdict, int Rounds);

    // LoggerMessage.Define rather than [LoggerMessage]: the DurableTask analyzer follows calls made by orchestrators
    // and crashes (AD0001) on source-generated partial methods.
    private static readonly Action<ILogger, string, string, string, string, Exception?> LogStartedMessage =
        LoggerMessage.Define<string, string, string, string>(LogLevel.Information, new EventId(1, "MigrationStarted"), "Migration {MigrationId}: {Source} -> {Destination}, VMs {Vms}");

    private static readonly Action<ILogger, string, int, double, double, PrecopyDecision, Exception?> LogRoundMessage =
        LoggerMessage.Define<string, int, double, double, PrecopyDecision>(LogLevel.Information, new EventId(2, "PrecopyRound"), "Migration {MigrationId} round {Round}: sent {Sent:0} MB, dirtied {Dirtied:0} MB -> {Decision}");

    private static readonly Action<ILogger, string, MigrationResult, string, Exception?> LogFinishedMessage =
        LoggerMessage.Define<string, MigrationResult, string>(LogLevel.Information, new EventId(3, "MigrationFinished"), "Migration {MigrationId} ended {Result}: {Reason}");

    private static readonly Action<ILogger, string, string, Exception?> LogRecordFailedMessage =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(4, "RecordFailed"), "Migration {MigrationId}: recording the outcome failed: {Error}");

    private static readonly Action<ILogger, string, string, string, Exception?> LogCancelHonouredMessage =
        LoggerMessage.Define<string, string, string>(LogLevel.Information, new EventId(5, "CancelHonoured"), "Migration {MigrationId}: cancel by {Actor} honoured before resume-started ({Reason}); aborting");

    private static readonly Action<ILogger, string, string, string, Exception?> LogCancelIgnoredMessage =
        LoggerMessage.Define<string, string, string>(LogLevel.Warning, new EventId(6, "CancelIgnored"), "Migration {MigrationId}: cancel by {Actor} ({Reason}) arrived after resume-started; ignored, the migration commits");

    private static void LogCancelHonoured(ILogger logger, string migrationId, string actor, string reason) => LogCancelHonouredMessage(logger, migrationId, actor, reason, null);

    private static void LogCancelIgnored(ILogger logger, string migrationId, string actor, string reason) => LogCancelIgnoredMessage(logger, migrationId, actor, reason, null);

    private static void LogStarted(ILogger logger, string migrationId, string source, string destination, string vms) => LogStartedMessage(logger, migrationId, source, destination, vms, null);

    private static void LogRound(ILogger logger, string migrationId, int round, double sent, double dirtied, PrecopyDecision decision) => LogRoundMessage(logger, migrationId, round, sent, dirtied, decision, null);

    private static void LogFinished(ILogger logger, string migrationId, MigrationResult result, string reason) => LogFinishedMessage(logger, migrationId, result, reason, null);

    private static void LogRecordFailed(ILogger logger, string migrationId, string error) => LogRecordFailedMessage(logger, migrationId, error, null);
}
