using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Hypervisor;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// The migration of one VM or move-together group as a function-based orchestration: one <see cref="MigrationMove"/>
/// that an operator can cancel (the <see cref="CancelMigration"/> event) before resume-started.
/// </summary>
public static class MigrationWorkflow
{
    /// <summary>The orchestrator function (registered as <see cref="MigrationTaskNames.MigrateOrchestrator"/>).</summary>
    public static Task<MigrationOutcome> RunAsync(TaskOrchestrationContext context, MigrationWorkflowInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);

        // No history is written until the event arrives, so instances started before this listener existed replay
        // unchanged; the listener lives for the whole orchestration.
        var cancel = context.WaitForExternalEvent<CancelMigration>(CancelMigration.EventName);
        return new MigrationMove(context, input.Request, input.Policy, cancel, reportProgress: true).RunAsync();
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
}
