using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// Evacuate a host (the reduce-power indication): plan a destination for every VM (groups together), run the
/// migrations as sub-orchestrations with at most <see cref="EvacuationWorkflowInput.MaxConcurrentMigrations"/> at
/// once, then power the host down when it is empty, or leave it up and say why.
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
        var log = context.CreateReplaySafeLogger(typeof(EvacuationWorkflow));
        var retry = input.Policy.Retry;
        var transient = new TaskOptions(new TaskRetryOptions(
            new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)
            {
                HandleFailure = IsTransient,
            }));

        context.SetCustomStatus(new MigrationProgress("plan", null, 0));
        EvacuationPlan plan;
        try
        {
            plan = input.Plan ?? await context.CallActivityAsync<EvacuationPlan>(MigrationTaskNames.PlanEvacuation,
                new EvacuationPlanInput(input.HostId, input.CandidateHostIds, input.LoadCeiling), transient);
        }
        catch (TaskFailedException e)
        {
            return new EvacuationOutcome(input.EvacuationId, input.HostId, false, $"planning failed: {e.FailureDetails.ErrorMessage}", []);
        }

        if (plan.Unplaced.Count > 0)
        {
            var why = "not evacuated, nothing moved: " + string.Join("; ", plan.Unplaced);
            LogEvacuation(log, input.EvacuationId, input.HostId, why);
            return new EvacuationOutcome(input.EvacuationId, input.HostId, false, why, []);
        }

        foreach (var host in plan.WakeHosts)
        {
            context.SetCustomStatus(new MigrationProgress("wake", host, 0));
            await context.CallActivityAsync<PowerResponse>(MigrationTaskNames.SetHostPower, new PowerInput(host, PowerAction.Wake), transient);
        }

        context.SetCustomStatus(new MigrationProgress("migrate", null, plan.Moves.Count));
        var cap = Math.Max(1, input.MaxConcurrentMigrations);
        var running = new List<Task<MigrationOutcome>>();
        var outcomes = new List<MigrationOutcome>();
        foreach (var move in plan.Moves)
        {
            if (running.Count >= cap)
            {
                var done = await Task.WhenAny(running);
                running.Remove(done);
                outcomes.Add(await done);
            }

            var migrationId = $"{input.EvacuationId}.{Sanitise(move.GroupKey)}";
            var request = new MigrationRequest(migrationId, input.HostId, move.DestinationHostId, move.VmIds, move.GroupId,
                $"evacuate {input.HostId}: {input.Reason}", new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero));
            running.Add(context.CallSubOrchestratorAsync<MigrationOutcome>(MigrationTaskNames.MigrateOrchestrator,
                new MigrationWorkflowInput(request, input.Policy),
                new SubOrchestrationOptions { InstanceId = $"{context.InstanceId}:{Sanitise(move.GroupKey)}" }));
        }

        outcomes.AddRange(await Task.WhenAll(running));

        context.SetCustomStatus(new MigrationProgress("power", input.HostId, 0));
        var status = await context.CallActivityAsync<HostStatus>(MigrationTaskNames.GetHostStatus, new HostInput(input.HostId), transient);
        if (status.Vms.Count > 0)
        {
            var why = $"host still holds {string.Join(", ", status.Vms.Select(v => $"{v.VmId} ({v.State})"))}; failed moves: " +
                string.Join("; ", outcomes.Where(o => o.Result is not (MigrationResult.Completed or MigrationResult.CompletedWithWarnings)).Select(o => $"{o.MigrationId}: {o.Result} {o.Reason}"));
            LogEvacuation(log, input.EvacuationId, input.HostId, why);
            return new EvacuationOutcome(input.EvacuationId, input.HostId, false, why, outcomes);
        }

        try
        {
            await context.CallActivityAsync<PowerResponse>(MigrationTaskNames.SetHostPower, new PowerInput(input.HostId, PowerAction.Reduce), transient);
        }
        catch (TaskFailedException e)
        {
            return new EvacuationOutcome(input.EvacuationId, input.HostId, false, $"empty, but reducing power failed: {e.FailureDetails.ErrorMessage}", outcomes);
        }

        LogEvacuation(log, input.EvacuationId, input.HostId, "powered down");
        return new EvacuationOutcome(input.EvacuationId, input.HostId, true, $"{outcomes.Count} migration(s); host powered down", outcomes);
    }

    private static bool IsTransient(TaskFailureDetails failure)
    {
        for (var current = failure; current is not null; current = current.InnerFailure)
        {
            if (current.ErrorType == typeof(Hypervisor.HypervisorTransientException).FullName)
            {
                return true;
            }
        }

        return false;
    }

    internal static string Sanitise(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));

    private static readonly Action<ILogger, string, string, string, Exception?> LogEvacuationMessage =
        LoggerMessage.Define<string, string, string>(LogLevel.Information, new EventId(10, "Evacuation"), "Evacuation {EvacuationId} of {HostId}: {Outcome}");

    private static void LogEvacuation(ILogger logger, string evacuationId, string hostId, string outcome) => LogEvacuationMessage(logger, evacuationId, hostId, outcome, null);
}
