using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Local.Durable;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Pipeline.IntegrationTests.Migration;

/// <summary>The fleet simulator service plus the migration workflows on the Azurite-backed local durable runtime.</summary>
internal static class DurableRig
{
    public const string Secret = "integration-fleet-secret-0123456789";

    public static MigrationPolicy Policy() => new()
    {
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(60),
            Prepare = TimeSpan.FromSeconds(20),
            RoundCall = TimeSpan.FromSeconds(20),
            Round = TimeSpan.FromSeconds(90),
            Quiesce = TimeSpan.FromSeconds(20),
            Resume = TimeSpan.FromSeconds(20),
            Finish = TimeSpan.FromSeconds(30),
            Abort = TimeSpan.FromSeconds(30),
        },
        Retry = new RetrySettings { MaxAttempts = 5, FirstRetryInterval = TimeSpan.FromMilliseconds(500), MaxRetryInterval = TimeSpan.FromSeconds(2) },
        PollInterval = TimeSpan.FromSeconds(1),
        MinPollInterval = TimeSpan.FromMilliseconds(200),
        LeaseDuration = TimeSpan.FromMinutes(30),
    };

    public static Task<FleetSimulatorService> StartFleetAsync(IEnumerable<SimHostSpec> hosts, IEnumerable<SimVmSpec> vms, double acceleration) =>
        FleetSimulatorService.StartAsync(
            new FleetServiceOptions
            {
                Acceleration = acceleration,
                FleetSecret = Secret,
                AdminToken = "integration-admin-token-0123456789",
                DestinationReplyTimeout = TimeSpan.FromMilliseconds(200),
            },
            hosts,
            vms);

    public static LocalDurableRuntimeOptions RuntimeOptions(string connectionString, string taskHub) => new()
    {
        StorageConnectionString = connectionString,
        TaskHubName = taskHub,
        // Shorter than every step timeout of Policy(): an activity interrupted by a crash runs again in time.
        WorkItemVisibilityTimeout = TimeSpan.FromSeconds(8),
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(8),
        PartitionLeaseInterval = TimeSpan.FromSeconds(10),
        PartitionCount = 4,
    };

    public static Task<LocalDurableRuntime> StartRuntimeAsync(string connectionString, string taskHub, FleetSimulatorService fleet) =>
        LocalDurableRuntime.StartAsync(
            RuntimeOptions(connectionString, taskHub),
            registry => registry.AddMigrationTasks(),
            services => services.AddPrescientMigrationsOnTables(
                new TableServiceClient(connectionString),
                o =>
                {
                    o.FleetBaseUri = fleet.BaseAddress;
                    o.FleetSecret = Secret;
                    o.AttemptTimeout = TimeSpan.FromSeconds(5);
                },
                o => o.Policy = Policy()));

    public static string NewHubName() => "mig" + Guid.NewGuid().ToString("N")[..10];

    public static MigrationRequest Request(string migrationId, string source, string destination, params string[] vmIds) =>
        new(migrationId, source, destination, vmIds, null, "integration test", DateTimeOffset.UtcNow);

    public static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId, TimeSpan timeout, Func<OrchestrationMetadata?, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        until ??= s => s is { IsCompleted: true };
        while (true)
        {
            var state = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (until(state))
            {
                return state!;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{instanceId} did not reach the expected state in {timeout}: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
            }

            await Task.Delay(50);
        }
    }
}
