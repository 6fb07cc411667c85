using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;

namespace Prescient.Pipeline.Migration;

/// <summary>A step exceeded its timeout (its durable timer fired first).</summary>
public sealed class StepTimeoutException : Exception
{
    public StepTimeoutException()
    {
    }

    public StepTimeoutException(string message)
        : base(message)
    {
    }

    public StepTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An operator's cancel arrived before resume-started: the migration aborts.</summary>
public sealed class MigrationCancelledException : Exception
{
    public MigrationCancelledException()
    {
    }

    public MigrationCancelledException(string message)
        : base(message)
    {
    }

    public MigrationCancelledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The migration of one VM or move-together group (DESIGN.md section 2) as a function-based orchestration:
/// lease, prepare, pre-copy rounds (durable timers between polls, patent stop rules), quiesce, resume, finish; an
/// abort path before resume-started and a commit path after it; the lease released and the outcome recorded on
/// every path. An operator's <see cref="CancelMigration"/> event received before resume-started takes the abort path
/// (outcome <see cref="MigrationResult.Cancelled"/>); received later it is recorded and ignored. Deterministic: only <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/> for time, no I/O.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Orchestration", "DURABLE0010",
    Justification = "The only logger used is the field set from context.CreateReplaySafeLogger; the analyzer does not follow the field.")]
public sealed class MigrationWorkflow
{
    private readonly TaskOrchestrationContext _context;
    private readonly MigrationRequest _request;
    private readonly MigrationPolicy _policy;
    private readonly ILogger _log;
    private readonly List<StepTiming> _steps = [];
    private readonly TaskOptions _transientRetry;
    private readonly TaskOptions _anyRetry;
    private readonly List<VmStepInput> _vms = [];
    private readonly Dictionary<string, int> _rounds = new(StringComparer.Ordinal);
    private Task<CancelMigration> _cancel = null!;

    // True until the first resume call: up to then a cancel is honoured.
    private bool _cancellable = true;

    // True once the hosts were asked to prepare: a cancel from then on needs the abort calls.
    private bool _hostsAsked;

    // True once the cancel was recorded (honoured, or ignored because it arrived after resume-started).
    private bool _cancelNoted;

    private MigrationWorkflow(TaskOrchestrationContext context, MigrationWorkflowInput input)
    {
        _context = context;
        _request = input.Request;
        _policy = input.Policy;
        _log = context.CreateReplaySafeLogger<MigrationWorkflow>();
        var retry = _policy.Retry;
        _transientRetry = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)
            {
                HandleFailure = IsTransient,
            }));
        _anyRetry = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)));
    }

    /// <summary>The orchestrator function (registered as <see cref="MigrationTaskNames.MigrateOrchestrator"/>).</summary>
    public static Task<MigrationOutcome> RunAsync(TaskOrchestrationContext context, MigrationWorkflowInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        return new MigrationWorkflow(context, input).RunAsync();
    }

    public static void Register(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc<MigrationWorkflowInput, MigrationOutcome>(MigrationTaskNames.MigrateOrchestrator, RunAsync);
    }

    /// <summary>The hypervisor migration id of one VM of a group migration.</summary>
    public static string HypervisorMigrationId(string migrationId, string vmId) => $"{migrationId}.{vmId}";

    /// <summary>Transient faults only: the activity threw <see cref="HypervisorTransientException"/>.</summary>
    public static bool IsTransient(TaskFailureDetails failure)
    {
        for (var current = failure; current is not null; current = current.InnerFailure)
        {
            if (current.ErrorType == typeof(HypervisorTransientException).FullName)
            {
                return true;
            }
        }

        return false;
    }

    private DateTimeOffset Now => new(_context.CurrentUtcDateTime, TimeSpan.Zero);

    private async Task<MigrationOutcome> RunAsync()
    {
        var startedAt = Now;

        // No history is written until the event arrives, so instances started before this listener existed replay
        // unchanged; the listener lives for the whole orchestration.
        _cancel = _context.WaitForExternalEvent<CancelMigration>(CancelMigration.EventName);
        LogStarted(_log, _request.MigrationId, _request.SourceHostId, _request.DestinationHostId, string.Join(",", _request.VmIds));
        await RecordAsync(new MigrationOutcome(_request.MigrationId, MigrationResult.Running, "started", [], [], startedAt, startedAt), ended: false);

        Progress("lease", null, 0);
        var lease = await StepAsync<LeaseAcquisition>("lease", null, MigrationTaskNames.AcquireLeases,
            new LeaseInput(_request.MigrationId, _request.VmIds, _policy.LeaseDuration), _policy.Timeouts.Bookkeeping, _anyRetry);
        MigrationOutcome outcome;
        if (!lease.Acquired)
        {
            outcome = Outcome(MigrationResult.Refused, $"VM {lease.VmId} is held by {lease.HeldBy}", [], startedAt);
        }
        else
        {
            try
            {
                outcome = await MigrateAsync(startedAt);
            }
            catch (MigrationCancelledException)
            {
                outcome = await CancelledAsync(startedAt);
            }
            catch (Exception e) when (e is TaskFailedException or StepTimeoutException)
            {
                outcome = Outcome(MigrationResult.Failed, e.Message, [], startedAt);
            }

            Progress("release", null, 0);
            try
            {
                await StepAsync<bool>("release", null, MigrationTaskNames.ReleaseLeases,
                    new LeaseInput(_request.MigrationId, _request.VmIds, _policy.LeaseDuration), _policy.Timeouts.Bookkeeping, _anyRetry);
            }
            catch (Exception e) when (e is TaskFailedException or StepTimeoutException)
            {
                // The lease expires on its own (LeaseDuration); say so in the outcome.
                outcome = outcome with { Reason = outcome.Reason + $"; lease release failed ({e.Message}), it expires after {_policy.LeaseDuration}" };
            }

            if (_cancel.IsCompleted && !_cancellable)
            {
                NoteIgnoredCancel(await _cancel);
            }

            outcome = outcome with { Steps = [.. _steps], EndedAt = Now };
        }

        LogFinished(_log, _request.MigrationId, outcome.Result, outcome.Reason);
        await RecordAsync(outcome, ended: true);
        Progress("done", null, 0);
        return outcome;
    }

    private async Task<MigrationOutcome> MigrateAsync(DateTimeOffset startedAt)
    {
        var source = _request.SourceHostId;
        var destination = _request.DestinationHostId;

        Progress("prepare", null, 0);
        var sourceStatus = await TryAsync(() => StepAsync<HostStatus>("source-status", null, MigrationTaskNames.GetHostStatus, new HostInput(source), _policy.Timeouts.Status, _transientRetry, raceCancel: true));
        if (sourceStatus.Error is { } statusError)
        {
            // Nothing has been asked of either host yet: the VM runs where it ran.
            return Outcome(MigrationResult.Aborted, $"source {source} status unavailable: {statusError}",
                [.. _request.VmIds.Select(v => new VmMigrationOutcome(v, MigrationResult.Aborted, source, 0, "not started"))], startedAt);
        }

        var status = sourceStatus.Value!;
        var vms = new List<VmStepInput>();
        foreach (var vmId in _request.VmIds)
        {
            var vm = status.Vms.FirstOrDefault(v => v.VmId == vmId);
            if (vm is null || vm.State != VmRunState.Running)
            {
                return Outcome(MigrationResult.Refused, $"VM {vmId} is not running on {source}", [], startedAt);
            }

            vms.Add(new VmStepInput(HypervisorMigrationId(_request.MigrationId, vmId), vmId, source, destination, vm.MemoryMb, vm.Cpu));
        }

        _vms.AddRange(vms);

        // 0. Wake a powered-down destination (the selector found no running host that fits). Waking is idempotent on
        // the host (waking a running host changes nothing), and recorded once in this migration's history.
        if (_request.WakeDestination)
        {
            var woken = await TryAsync(() => WakeDestinationAsync(destination));
            if (woken.Error is { } wakeError)
            {
                // Nothing has been asked of the source: the VMs run where they ran.
                return Outcome(MigrationResult.Aborted, $"waking destination {destination} failed: {wakeError}",
                    [.. _request.VmIds.Select(v => new VmMigrationOutcome(v, MigrationResult.Aborted, source, 0, "not started"))], startedAt);
            }
        }

        // 1. Prepare: the destination answers OK-to-migrate or refuses.
        ThrowIfCancelled();
        _hostsAsked = true;
        var prepared = await Task.WhenAll(vms.Select(vm => TryAsync(() => StepAsync<PrepareResponse>(
            "prepare", vm.VmId, MigrationTaskNames.Prepare, vm, _policy.Timeouts.Prepare, _transientRetry, raceCancel: true))));
        var refusal = prepared.Select(p => p.Value).FirstOrDefault(p => p is { OkToMigrate: false });
        var prepareFailure = prepared.FirstOrDefault(p => p.Error is not null).Error;
        if (refusal is not null || prepareFailure is not null)
        {
            var reason = refusal is not null ? $"destination refused: {refusal.RefusalReason}" : $"prepare failed: {prepareFailure}";
            var aborted = await AbortAllAsync(vms, reason, 0);
            return Outcome(refusal is not null && aborted.All(a => a.Result == MigrationResult.Aborted) ? MigrationResult.Refused : Summarise(aborted), reason, aborted, startedAt);
        }

        // 2. Pre-copy each VM's memory in rounds while it runs.
        var precopies = await Task.WhenAll(vms.Select(vm => TryAsync(() => PrecopyAsync(vm))));
        var precopyFailure = precopies.Select((p, i) => (p, i)).FirstOrDefault(x => x.p.Error is not null || x.p.Value!.Verdict.Decision == PrecopyDecision.Abort);
        if (precopyFailure.p.Error is not null || precopyFailure.p.Value is { Verdict.Decision: PrecopyDecision.Abort })
        {
            var vmId = vms[precopyFailure.i].VmId;
            var reason = precopyFailure.p.Error is { } error ? $"pre-copy of {vmId} failed: {error}" : $"pre-copy of {vmId}: {precopyFailure.p.Value!.Verdict.Reason}";
            var aborted = await AbortAllAsync(vms, reason, precopies.Max(p => p.Value?.Rounds ?? 0));
            return Outcome(Summarise(aborted), reason, aborted, startedAt);
        }

        // 3. Quiesce on the source and send the non-memory state (and, by setting, every remaining page).
        Progress("quiesce", null, 0);
        var quiesced = await Task.WhenAll(vms.Select((vm, i) => TryAsync(() => StepAsync<QuiesceResponse>(
            "quiesce", vm.VmId, MigrationTaskNames.Quiesce, vm with { StopAndCopy = precopies[i].Value!.Verdict.Decision == PrecopyDecision.StopAndCopy },
            _policy.Timeouts.Quiesce, _transientRetry, raceCancel: true, describe: DescribeQuiesce))));
        if (quiesced.FirstOrDefault(q => q.Error is not null).Error is { } quiesceError)
        {
            var reason = $"quiesce failed: {quiesceError}";
            var aborted = await AbortAllAsync(vms, reason, 0);
            return Outcome(Summarise(aborted), reason, aborted, startedAt);
        }

        // 4. Resume on the destination, one VM at a time. Until resume-started the source may abort and resume the VM.
        // From here on an operator's cancel is no longer honoured: the migration commits.
        ThrowIfCancelled();
        _cancellable = false;
        var results = new List<VmMigrationOutcome>();
        string? firstFailure = null;
        for (var i = 0; i < vms.Count; i++)
        {
            var vm = vms[i];
            var rounds = precopies[i].Value!.Rounds;
            if (firstFailure is not null)
            {
                results.Add(await AbortVmAsync(vm, $"group member failed to resume: {firstFailure}", rounds));
                continue;
            }

            Progress("resume", vm.VmId, 0);
            var resumed = await TryAsync(() => StepAsync<ResumeResponse>("resume", vm.VmId, MigrationTaskNames.Resume, vm, _policy.Timeouts.Resume, _transientRetry, raceCancel: true));
            if (resumed.Error is null)
            {
                results.Add(new VmMigrationOutcome(vm.VmId, MigrationResult.Completed, destination, rounds, "resume-started"));
                continue;
            }

            // No resume-started seen: abort. The disk lock arbitrates: if the destination did start the VM, the
            // source refuses to resume it (resume-started) and the migration commits instead.
            var outcome = await AbortVmAsync(vm, $"resume failed: {resumed.Error}", rounds);
            if (outcome.Result != MigrationResult.Completed)
            {
                firstFailure = resumed.Error;
            }

            results.Add(outcome);
        }

        // 5. Finish: send the remaining pages; after resume-started the VM is the destination's whatever happens.
        var committed = results.Where(r => r.Result == MigrationResult.Completed).ToList();
        var finished = await Task.WhenAll(committed.Select(r => TryAsync(() => StepAsync<FinishResponse>(
            "finish", r.VmId, MigrationTaskNames.Finish, vms.First(v => v.VmId == r.VmId), _policy.Timeouts.Finish, _transientRetry, raceCancel: true))));
        for (var i = 0; i < committed.Count; i++)
        {
            if (finished[i].Error is { } finishError)
            {
                var index = results.IndexOf(committed[i]);
                results[index] = committed[i] with
                {
                    Result = MigrationResult.CompletedWithWarnings,
                    Reason = $"running on {destination}; finish not confirmed ({finishError}): remaining pages are served on demand from {source}",
                };
            }
        }

        var result = Summarise(results);
        var summary = result switch
        {
            MigrationResult.Completed => $"{vms.Count} VM(s) moved to {destination}",
            MigrationResult.Aborted => $"aborted: {firstFailure}",
            _ => string.Join("; ", results.Where(r => r.Result != MigrationResult.Completed).Select(r => $"{r.VmId}: {r.Reason}")),
        };
        return Outcome(result, summary, results, startedAt);
    }

    /// <summary>
    /// Wakes the destination, then polls its status (durable timers between polls) until it reports On, all within
    /// <see cref="StepTimeouts.Wake"/>.
    /// </summary>
    private async Task<PowerState> WakeDestinationAsync(string destination)
    {
        Progress("wake", null, 0);
        var deadline = _context.CurrentUtcDateTime + _policy.Timeouts.Wake;
        var answer = await StepAsync<PowerResponse>("wake", null, MigrationTaskNames.SetHostPower,
            new PowerInput(destination, PowerAction.Wake), _policy.Timeouts.Wake, _transientRetry, raceCancel: true);
        var power = answer.PowerState;
        var waitStarted = Now;
        while (power != PowerState.On)
        {
            if (_context.CurrentUtcDateTime + _policy.PollInterval > deadline)
            {
                _steps.Add(new StepTiming("wake-wait", null, waitStarted, Now, $"timeout: still {power}"));
                throw new StepTimeoutException($"destination {destination} was still {power} {_policy.Timeouts.Wake} after the wake request");
            }

            await DelayAsync(_policy.PollInterval);
            var status = await StepAsync<HostStatus>("wake-poll", null, MigrationTaskNames.GetHostStatus, new HostInput(destination),
                _policy.Timeouts.Status, _transientRetry, record: false, raceCancel: true);
            power = status.PowerState;
            if (power == PowerState.On)
            {
                _steps.Add(new StepTiming("wake-wait", null, waitStarted, Now, "on"));
            }
        }

        return power;
    }

    private async Task<PrecopyResult> PrecopyAsync(VmStepInput vm)
    {
        var rounds = new List<PrecopyRound>();
        for (var round = 1; ; round++)
        {
            Progress("precopy", vm.VmId, round);
            var input = vm with { Round = round };
            var roundStarted = Now;
            var deadline = _context.CurrentUtcDateTime + _policy.Timeouts.Round;
            _rounds[vm.VmId] = round - 1;
            var state = await StepAsync<PrecopyRoundStatus>("precopy-start", vm.VmId, MigrationTaskNames.StartRound, input, _policy.Timeouts.RoundCall, _transientRetry, record: false, raceCancel: true);
            while (state.State == RoundState.Running)
            {
                var wait = TimeSpan.FromSeconds(Math.Clamp(state.EstimatedRemainingSeconds, _policy.MinPollInterval.TotalSeconds, _policy.PollInterval.TotalSeconds));
                if (_context.CurrentUtcDateTime + wait > deadline)
                {
                    _steps.Add(new StepTiming($"precopy-round-{round}", vm.VmId, roundStarted, Now, "timeout"));
                    throw new StepTimeoutException($"pre-copy round {round} of {vm.VmId} exceeded {_policy.Timeouts.Round}");
                }

                await DelayAsync(wait);
                state = await StepAsync<PrecopyRoundStatus>("precopy-poll", vm.VmId, MigrationTaskNames.GetRound, input, _policy.Timeouts.RoundCall, _transientRetry, record: false, raceCancel: true);
            }

            rounds.Add(new PrecopyRound(round, state.SentMb, state.DirtiedMb, state.DurationSeconds));
            _rounds[vm.VmId] = round;
            var verdict = PrecopyStopRule.Decide(rounds, _policy.Precopy);
            _steps.Add(new StepTiming($"precopy-round-{round}", vm.VmId, roundStarted, Now,
                $"sent {state.SentMb:0} MB, {state.DirtiedMb:0} MB dirtied; {verdict.Decision}: {verdict.Reason}"));
            LogRound(_log, vm.HypervisorMigrationId, round, state.SentMb, state.DirtiedMb, verdict.Decision);
            if (verdict.Decision != PrecopyDecision.NextRound)
            {
                return new PrecopyResult(verdict, rounds.Count);
            }
        }
    }

    /// <summary>
    /// The operator's cancel arrived before resume-started: abort on the hosts if they were asked anything (the source
    /// keeps or resumes the VM), else nothing to undo. The lease is released by the caller, as on every path.
    /// </summary>
    private async Task<MigrationOutcome> CancelledAsync(DateTimeOffset startedAt)
    {
        _cancellable = false;
        _cancelNoted = true;
        var cancel = await _cancel;
        var reason = cancel.Describe();
        _steps.Add(new StepTiming("cancel", null, Now, Now, $"honoured before resume-started: {reason}"));
        LogCancelHonoured(_log, _request.MigrationId, cancel.Actor, cancel.Reason);
        if (!_hostsAsked)
        {
            return Outcome(MigrationResult.Cancelled, reason,
                [.. _request.VmIds.Select(v => new VmMigrationOutcome(v, MigrationResult.Cancelled, _request.SourceHostId, 0, "not started"))], startedAt);
        }

        var aborted = await AbortAllAsync(_vms, reason, _rounds.Values.DefaultIfEmpty(0).Max());
        if (aborted.All(a => a.Result == MigrationResult.Aborted))
        {
            return Outcome(MigrationResult.Cancelled, reason, [.. aborted.Select(a => a with { Result = MigrationResult.Cancelled })], startedAt);
        }

        return Outcome(Summarise(aborted), reason, aborted, startedAt);
    }

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

    private void Progress(string phase, string? vmId, int round) => _context.SetCustomStatus(new MigrationProgress(phase, vmId, round));

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
