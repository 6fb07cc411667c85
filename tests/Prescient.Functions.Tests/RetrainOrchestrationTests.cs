using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Prescient.Functions.Retrain;
using Prescient.Pipeline.Retrain;

namespace Prescient.Functions.Tests;

/// <summary>The RetrainFleet orchestration body on the in-memory durable backend: the plan, the fleet model when due, the fan-out over batches of hosts.</summary>
public sealed class RetrainOrchestrationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_host_is_retrained_once_and_a_failing_host_is_reported_without_stopping_the_others(bool full)
    {
        var calls = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var fleetModels = 0;
        static Task<HostRetrainResult> One(string hostId) => hostId switch
        {
            "b" => throw new InvalidOperationException("storage unavailable"),
            "d" => Task.FromResult(new HostRetrainResult(hostId, "skipped: network disabled by settings", null, null, null, 0, TimeSpan.Zero)),
            _ => Task.FromResult(new HostRetrainResult(hostId, "trained", "v1", 0.03, 0.05, 500, TimeSpan.Zero)),
        };
        await using var host = await InMemoryDurableHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<RetrainFleetInput, RetrainFleetResult>(
                RetrainFunctions.OrchestratorName, (context, _) => RetrainFunctions.RunOrchestrationAsync(context));
            registry.AddActivityFunc<string?, RetrainPlan>(
                RetrainFunctions.ListHostsActivityName, (_, _) => Task.FromResult(new RetrainPlan(full, ["a", "b", "c", "d"])));
            registry.AddActivityFunc<IReadOnlyList<string>, string?>(RetrainFunctions.FleetModelActivityName, (_, hosts) =>
            {
                Interlocked.Increment(ref fleetModels);
                Assert.Equal(4, hosts.Count);
                return Task.FromResult<string?>("v1");
            });
            registry.AddActivityFunc<IReadOnlyList<string>, IReadOnlyList<HostRetrainResult>>(RetrainFunctions.HostsActivityName, async (_, batch) =>
            {
                var results = new List<HostRetrainResult>();
                foreach (var hostId in batch)
                {
                    calls.AddOrUpdate(hostId, 1, (_, n) => n + 1);
                    results.Add(await One(hostId));
                }

                return results;
            });
            registry.AddActivityFunc<string, HostRetrainResult>(RetrainFunctions.HostActivityName, (_, hostId) =>
            {
                calls.AddOrUpdate(hostId, 1, (_, n) => n + 1);
                return One(hostId);
            });
        });

        var instanceId = await host.Client.ScheduleNewOrchestrationInstanceAsync(
            RetrainFunctions.OrchestratorName, new RetrainFleetInput(2, TimeSpan.FromMilliseconds(100), BatchHosts: 2));
        var done = await host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var result = done.ReadOutputAs<RetrainFleetResult>()!;
        Assert.Equal((4, 2, 1, 1), (result.Hosts, result.Trained, result.Skipped, result.Failed));
        Assert.Equal(["b"], result.FailedHostIds);
        Assert.Equal(["a", "c", "d"], result.Results.Select(r => r.HostId).Order());
        Assert.Equal(full ? 1 : 0, fleetModels);
        // a and b share a batch that fails twice (retried), then each is retried alone (b twice more).
        Assert.Equal(4, calls["b"]);
        Assert.Equal(3, calls["a"]);
        Assert.Equal(1, calls["c"]);
    }

    [Fact]
    public void One_run_per_hour_has_a_deterministic_instance_id()
    {
        Assert.Equal("retrain-2026112409", RetrainFunctions.InstanceIdFor(new DateTimeOffset(2026, 11, 24, 9, 59, 0, TimeSpan.Zero)));
        Assert.Equal("retrain-2026112408", RetrainFunctions.InstanceIdFor(new DateTimeOffset(2026, 11, 24, 10, 30, 0, TimeSpan.FromHours(2))));
    }
}
