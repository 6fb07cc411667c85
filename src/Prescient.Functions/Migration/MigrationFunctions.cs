using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;

namespace Prescient.Functions.Migration;

/// <summary>
/// The migration and evacuation orchestrations and their activities (docs/migrations.md), one <c>[Function]</c> shim
/// per name in <see cref="MigrationTaskNames"/> over the shared workflow code in Prescient.Pipeline (the same code
/// the local durable runtime registers through <see cref="MigrationTasks"/>).
/// </summary>
public sealed class MigrationFunctions(MigrationActivities activities)
{
    [Function(MigrationTaskNames.MigrateOrchestrator)]
    public static Task<MigrationOutcome> MigrateAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return MigrationWorkflow.RunAsync(context, Input<MigrationWorkflowInput>(context));
    }

    [Function(MigrationTaskNames.EvacuateOrchestrator)]
    public static Task<EvacuationOutcome> EvacuateAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return EvacuationWorkflow.RunAsync(context, Input<EvacuationWorkflowInput>(context));
    }

    [Function(MigrationTaskNames.AcquireLeases)]
    public Task<LeaseAcquisition> AcquireLeasesAsync([ActivityTrigger] LeaseInput input) => activities.AcquireLeasesAsync(input);

    [Function(MigrationTaskNames.ReleaseLeases)]
    public Task<bool> ReleaseLeasesAsync([ActivityTrigger] LeaseInput input) => activities.ReleaseLeasesAsync(input);

    [Function(MigrationTaskNames.RecordMigration)]
    public Task<bool> RecordMigrationAsync([ActivityTrigger] MigrationRecord input) => activities.RecordMigrationAsync(input);

    [Function(MigrationTaskNames.GetHostStatus)]
    public Task<HostStatus> GetHostStatusAsync([ActivityTrigger] HostInput input) => activities.GetHostStatusAsync(input);

    [Function(MigrationTaskNames.SetHostPower)]
    public Task<PowerResponse> SetHostPowerAsync([ActivityTrigger] PowerInput input) => activities.SetHostPowerAsync(input);

    [Function(MigrationTaskNames.Prepare)]
    public Task<PrepareResponse> PrepareAsync([ActivityTrigger] VmStepInput input) => activities.PrepareAsync(input);

    [Function(MigrationTaskNames.StartRound)]
    public Task<PrecopyRoundStatus> StartRoundAsync([ActivityTrigger] VmStepInput input) => activities.StartRoundAsync(input);

    [Function(MigrationTaskNames.GetRound)]
    public Task<PrecopyRoundStatus> GetRoundAsync([ActivityTrigger] VmStepInput input) => activities.GetRoundAsync(input);

    [Function(MigrationTaskNames.Quiesce)]
    public Task<QuiesceResponse> QuiesceAsync([ActivityTrigger] VmStepInput input) => activities.QuiesceAsync(input);

    [Function(MigrationTaskNames.Resume)]
    public Task<ResumeResponse> ResumeAsync([ActivityTrigger] VmStepInput input) => activities.ResumeAsync(input);

    [Function(MigrationTaskNames.Finish)]
    public Task<FinishResponse> FinishAsync([ActivityTrigger] VmStepInput input) => activities.FinishAsync(input);

    [Function(MigrationTaskNames.Abort)]
    public Task<AbortResponse> AbortAsync([ActivityTrigger] VmStepInput input) => activities.AbortAsync(input);

    private static T Input<T>(TaskOrchestrationContext context)
        where T : class =>
        context.GetInput<T>() ?? throw new InvalidOperationException($"The orchestration {context.Name} ({context.InstanceId}) was started without its {typeof(T).Name} input.");
}
