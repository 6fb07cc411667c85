using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// One move of one VM or move-together group (docs/migrations.md), run inside an orchestration: lease, prepare,
/// pre-copy rounds (durable timers between polls, patent stop rules), quiesce, resume, finish; an abort path before
/// resume-started and a commit path after it; the lease released and the outcome recorded (its own migration record)
/// on every path. An operator's <see cref="CancelMigration"/> received before resume-started takes the abort path
/// (outcome <see cref="MigrationResult.Cancelled"/>); received later it is recorded and ignored. The migration
/// workflow runs one move; the evacuation workflow runs several, a few at a time, in its one orchestration (no
/// sub-orchestrations). Deterministic: only <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/> for time, no I/O.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Orchestration", "DURABLE0010",
    Justification = "The only logger used is the field set from context.CreateReplaySafeLogger; the analyzer does not follow the field.")]
public sealed partial class MigrationMove
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
    private readonly Task<CancelMigration> _cancel;
    private readonly bool _reportProgress;

    // True until the first resume call: up to then a cancel is honoured.
    private bool _cancellable = true;

    // True once the hosts were asked to prepare: a cancel from then on needs the abort calls.
    private bool _hostsAsked;

    // True once the cancel was recorded (honoured, or ignored because it arrived after resume-started).
    private bool _cancelNoted;

    /// <summary>A move run by <paramref name="context"/>'s orchestration.</summary>
    /// <param name="context">The orchestration running the move (a migration, or an evacuation running several).</param>
    /// <param name="request">The move.</param>
    /// <param name="policy">Timeouts, retries, stop rules, lease duration.</param>
    /// <param name="cancel">The operator's cancel event; a task that never completes where moves are not cancellable (evacuations).</param>
    /// <param name="reportProgress">Whether the move sets the orchestration's custom status (a migration's own; not an evacuation's).</param>
    public MigrationMove(TaskOrchestrationContext context, MigrationRequest request, MigrationPolicy policy, Task<CancelMigration> cancel, bool reportProgress)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(cancel);
        _context = context;
        _request = request;
        _policy = policy;
        _cancel = cancel;
        _reportProgress = reportProgress;
        _log = context.CreateReplaySafeLogger<MigrationMove>();
        var retry = _policy.Retry;
        _transientRetry = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)
            {
                HandleFailure = MigrationWorkflow.IsTransient,
            }));
        _anyRetry = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)));
    }

    private DateTimeOffset Now => new(_context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>Runs the move: record, lease, migrate (or abort), release, record the outcome.</summary>
    public async Task<MigrationOutcome> RunAsync()
    {
        var startedAt = Now;
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

            vms.Add(new VmStepInput(MigrationWorkflow.HypervisorMigrationId(_request.MigrationId, vmId), vmId, source, destination, vm.MemoryMb, vm.Cpu));
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
}
