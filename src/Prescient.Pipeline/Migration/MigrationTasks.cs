using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// Registration of the migration orchestrators and activities with a <see cref="DurableTaskRegistry"/> (the local
/// runtime, tests). The Functions app registers the same code with one <c>[Function]</c> shim per name in
/// <see cref="MigrationTaskNames"/>: orchestrators call <see cref="MigrationWorkflow.RunAsync"/> /
/// <see cref="EvacuationWorkflow.RunAsync"/>, activities call the matching <see cref="MigrationActivities"/> method.
/// </summary>
public static class MigrationTasks
{
    public static DurableTaskRegistry AddMigrationTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        // Each orchestrator registers itself from its own file: the DurableTask analyzer crashes (AD0001) when an
        // orchestrator function is registered from another syntax tree than the one that defines it.
        MigrationWorkflow.Register(registry);
        EvacuationWorkflow.Register(registry);
        registry.AddActivity(MigrationTaskNames.AcquireLeases, sp => Activity<LeaseInput, LeaseAcquisition>(sp, (a, i) => a.AcquireLeasesAsync(i)));
        registry.AddActivity(MigrationTaskNames.ReleaseLeases, sp => Activity<LeaseInput, bool>(sp, (a, i) => a.ReleaseLeasesAsync(i)));
        registry.AddActivity(MigrationTaskNames.RecordMigration, sp => Activity<MigrationRecord, bool>(sp, (a, i) => a.RecordMigrationAsync(i)));
        registry.AddActivity(MigrationTaskNames.GetHostStatus, sp => Activity<HostInput, Core.Migration.HostStatus>(sp, (a, i) => a.GetHostStatusAsync(i)));
        registry.AddActivity(MigrationTaskNames.SetHostPower, sp => Activity<PowerInput, Core.Migration.PowerResponse>(sp, (a, i) => a.SetHostPowerAsync(i)));
        registry.AddActivity(MigrationTaskNames.Prepare, sp => Activity<VmStepInput, Core.Migration.PrepareResponse>(sp, (a, i) => a.PrepareAsync(i)));
        registry.AddActivity(MigrationTaskNames.StartRound, sp => Activity<VmStepInput, Core.Migration.PrecopyRoundStatus>(sp, (a, i) => a.StartRoundAsync(i)));
        registry.AddActivity(MigrationTaskNames.GetRound, sp => Activity<VmStepInput, Core.Migration.PrecopyRoundStatus>(sp, (a, i) => a.GetRoundAsync(i)));
        registry.AddActivity(MigrationTaskNames.Quiesce, sp => Activity<VmStepInput, Core.Migration.QuiesceResponse>(sp, (a, i) => a.QuiesceAsync(i)));
        registry.AddActivity(MigrationTaskNames.Resume, sp => Activity<VmStepInput, Core.Migration.ResumeResponse>(sp, (a, i) => a.ResumeAsync(i)));
        registry.AddActivity(MigrationTaskNames.Finish, sp => Activity<VmStepInput, Core.Migration.FinishResponse>(sp, (a, i) => a.FinishAsync(i)));
        registry.AddActivity(MigrationTaskNames.Abort, sp => Activity<VmStepInput, Core.Migration.AbortResponse>(sp, (a, i) => a.AbortAsync(i)));
        return registry;
    }

    private static ITaskActivity Activity<TInput, TOutput>(IServiceProvider services, Func<MigrationActivities, TInput, Task<TOutput>> run) =>
        new DelegateActivity<TInput, TOutput>(services.GetRequiredService<MigrationActivities>(), run);

    private sealed class DelegateActivity<TInput, TOutput>(MigrationActivities activities, Func<MigrationActivities, TInput, Task<TOutput>> run)
        : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(activities, input);
    }
}
