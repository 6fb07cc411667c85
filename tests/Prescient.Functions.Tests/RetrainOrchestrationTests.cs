using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Prescient.Functions.Retrain;
using Prescient.Pipeline.Retrain;

namespace Prescient.Functions.Tests;

/// <summary>The RetrainFleet orchestration body on the in-memory durable backend: the fan-out over hosts.</summary>
public sealed class RetrainOrchestrationTests
{
    [Fact]
    public async Task Every_host_is_retrained_once_and_a_failing_host_is_reported_without_stopping_the_others()
    {
        var calls = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<RetrainFleetInput, RetrainFleetResult>(
                RetrainFunctions.OrchestratorName, (context, _) => RetrainFunctions.RunOrchestrationAsync(context));
            registry.AddActivityFunc<string?, IReadOnlyList<string>>(
                RetrainFunctions.ListHostsActivityName, (_, _) => Task.FromResult<IReadOnlyList<string>>(["a", "b", "c", "d"]));
            registry.AddActivityFunc<string, HostRetrainResult>(RetrainFunctions.HostActivityName, (_, hostId) =>
            {
                calls.AddOrUpdate(hostId, 1, (_, n) => n + 1);
                return hostId switch
                {
                    "b" => throw new InvalidOperationException("storage unavailable"),
                    "d" => Task.FromResult(new HostRetrainResult(hostId, "skipped: network disabled by settings", null, null, null, 0, TimeSpan.Zero)),
                    _ => Task.FromResult(new HostRetrainResult(hostId, "trained", "v1", 0.03, 0.05, 500, TimeSpan.Zero)),
                };
            });
        });

        var instanceId = await host.Client.ScheduleNewOrchestrationInstanceAsync(
            RetrainFunctions.OrchestratorName, new RetrainFleetInput(2, TimeSpan.FromMilliseconds(100)));
        var done = await host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var result = done.ReadOutputAs<RetrainFleetResult>()!;
        Assert.Equal((4, 2, 1, 1), (result.Hosts, result.Trained, result.Skipped, result.Failed));
        Assert.Equal(["b"], result.FailedHostIds);
        Assert.Equal(["a", "c", "d"], result.Results.Select(r => r.HostId).Order());
        Assert.Equal(2, calls["b"]);
        Assert.Equal(1, calls["a"]);
    }

    [Fact]
    public void One_run_per_hour_has_a_deterministic_instance_id()
    {
        Assert.Equal("retrain-2026112409", RetrainFunctions.InstanceIdFor(new DateTimeOffset(2026, 11, 24, 9, 59, 0, TimeSpan.Zero)));
        Assert.Equal("retrain-2026112408", RetrainFunctions.InstanceIdFor(new DateTimeOffset(2026, 11, 24, 10, 30, 0, TimeSpan.FromHours(2))));
    }
}
