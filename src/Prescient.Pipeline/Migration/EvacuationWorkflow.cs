using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// Evacuate a host (the reduce-power indication) as one durable workflow: run the planned moves inside this one
/// orchestration, at most <see cref="EvacuationWorkflowInput.MaxConcurrentMigrations"/> at once (each a
/// <see cref="MigrationMove"/> with its own migration record and VM leases, every step in this orchestration's
/// history), then ask the host for its status and reduce its power when it is empty, or say why it stays on.
/// No sub-orchestrations: the local durable runtime cannot run them, and the same code runs in Azure.
/// </summary>
public static class EvacuationWorkflow
{
    public static void Register(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestratorFunc<EvacuationWorkflowInput, EvacuationOutcome>(MigrationTaskNames.EvacuateOrchestrator, RunAsync);
    }

    public static async Task<EvacuationOutcome> RunAsync(TaskOrchestrationContext context, EvacuationWorkflowInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var request = input.Request;
        var log = context.CreateReplaySafeLogger(typeof(EvacuationWorkflow));
        var retry = input.Policy.Retry;
        var transient = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)
            {
                HandleFailure = MigrationWorkflow.IsTransient,
            }));

        // Moves inside an evacuation are not cancelled one by one: their cancel never comes.
        var noCancel = new TaskCompletionSource<CancelMigration>().Task;
        var cap = Math.Max(1, input.MaxConcurrentMigrations);
        var running = new List<Task<MigrationOutcome>>();
        var outcomes = new List<MigrationOutcome>();
        context.SetCustomStatus(new MigrationProgress("migrate", null, 0));
        foreach (var move in request.Moves)
        {
            if (running.Count >= cap)
            {
                var done = await Task.WhenAny(running);
                running.Remove(done);
                outcomes.Add(await done);
                context.SetCustomStatus(new MigrationProgress("migrate", null, outcomes.Count));
            }

            running.Add(RunMoveAsync(context, move, input.Policy, noCancel));
        }

        outcomes.AddRange(await Task.WhenAll(running));

        context.SetCustomStatus(new MigrationProgress("power", request.HostId, 0));
        HostStatus status;
        try
        {
            status = await context.CallActivityAsync<HostStatus>(MigrationTaskNames.GetHostStatus, new HostInput(request.HostId), transient);
        }
        catch (TaskFailedException e)
        {
            return Ended(log, request, false, $"left on: its status is unavailable ({e.FailureDetails.ErrorMessage})", outcomes);
        }

        if (status.Vms.Count > 0)
        {
            var failed = outcomes.Where(o => o.Result is not (MigrationResult.Completed or MigrationResult.CompletedWithWarnings)).ToList();
            var why = $"left on: it still holds {string.Join(", ", status.Vms.Select(v => $"{v.VmId} ({v.State})"))}" +
                (failed.Count == 0 ? "" : "; moves that did not complete: " + string.Join("; ", failed.Select(o => $"{o.MigrationId}: {o.Result} {o.Reason}")));
            return Ended(log, request, false, why, outcomes);
        }

        try
        {
            await context.CallActivityAsync<PowerResponse>(MigrationTaskNames.SetHostPower, new PowerInput(request.HostId, PowerAction.Reduce), transient);
        }
        catch (TaskFailedException e)
        {
            return Ended(log, request, false, $"empty, but reducing its power failed: {e.FailureDetails.ErrorMessage}", outcomes);
        }

        return Ended(log, request, true, $"{outcomes.Count} move(s); empty, power reduced", outcomes);
    }

    /// <summary>One move; a failure of its bookkeeping (the lease step) is its outcome, not the evacuation's end.</summary>
    private static async Task<MigrationOutcome> RunMoveAsync(TaskOrchestrationContext context, MigrationRequest move, MigrationPolicy policy, Task<CancelMigration> noCancel)
    {
        var startedAt = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        try
        {
            return await new MigrationMove(context, move, policy, noCancel, reportProgress: false).RunAsync();
        }
        catch (Exception e) when (e is TaskFailedException or StepTimeoutException)
        {
            return new MigrationOutcome(move.MigrationId, MigrationResult.Failed, e.Message, [], [], startedAt, new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero));
        }
    }

    private static EvacuationOutcome Ended(ILogger log, EvacuationRequest request, bool poweredDown, string reason, List<MigrationOutcome> outcomes)
    {
        LogEvacuation(log, request.EvacuationId, request.HostId, reason);
        return new EvacuationOutcome(request.EvacuationId, request.HostId, poweredDown, reason, outcomes);
    }

    private static readonly Action<ILogger, string, string, string, Exception?> LogEvacuationMessage =
        LoggerMessage.Define<string, string, string>(LogLevel.Information, new EventId(10, "Evacuation"), "Evacuation {EvacuationId} of {HostId}: {Outcome}");

    private static void LogEvacuation(ILogger logger, string evacuationId, string hostId, string outcome) => LogEvacuationMessage(logger, evacuationId, hostId, outcome, null);
}
