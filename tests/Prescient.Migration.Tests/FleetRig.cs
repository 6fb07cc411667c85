using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>A simulated fleet served over HTTP plus the migration workflows on a durable backend.</summary>
internal static class FleetRig
{
    public const string Secret = "test-fleet-secret-0123456789";
    public const string AdminToken = "test-admin-token-0123456789";

    /// <summary>Short timeouts and fast polling: the simulator runs 20x faster than real time.</summary>
    public static MigrationPolicy FastPolicy(NonConvergenceHandling onNonConvergence = NonConvergenceHandling.Abort) => new()
    {
        Precopy = new PrecopyPolicy(StopWhenDirtyMb: 64, OnNonConvergence: onNonConvergence, MaxStopAndCopyMb: 8192),
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(20),
            Status = TimeSpan.FromSeconds(6),
            Prepare = TimeSpan.FromSeconds(6),
            RoundCall = TimeSpan.FromSeconds(6),
            Round = TimeSpan.FromSeconds(30),
            Quiesce = TimeSpan.FromSeconds(6),
            Resume = TimeSpan.FromSeconds(3),
            Finish = TimeSpan.FromSeconds(20),
            Abort = TimeSpan.FromSeconds(10),
        },
        Retry = new RetrySettings { MaxAttempts = 6, FirstRetryInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 2, MaxRetryInterval = TimeSpan.FromSeconds(1) },
        PollInterval = TimeSpan.FromMilliseconds(200),
        MinPollInterval = TimeSpan.FromMilliseconds(20),
        LeaseDuration = TimeSpan.FromMinutes(30),
    };

    public static FleetServiceOptions ServiceOptions(double acceleration = 20) => new()
    {
        Acceleration = acceleration,
        FleetSecret = Secret,
        AdminToken = AdminToken,
        DestinationReplyTimeout = TimeSpan.FromMilliseconds(100),
        MaxHang = TimeSpan.FromSeconds(10),
    };

    public static void Hypervisor(HypervisorClientOptions o, FleetSimulatorService fleet)
    {
        o.FleetBaseUri = fleet.BaseAddress;
        o.FleetSecret = Secret;
        // Generous for a loaded 2-core machine (first calls pay JIT); unresponsive hosts cost this per attempt.
        o.AttemptTimeout = TimeSpan.FromSeconds(1.5);
    }

    public static async Task<(FleetSimulatorService Fleet, DurableTaskTestHost Host)> StartInMemoryAsync(
        IEnumerable<SimHostSpec> hosts, IEnumerable<SimVmSpec> vms, MigrationPolicy? policy = null, double acceleration = 20,
        Action<IServiceCollection>? configureServices = null)
    {
        var hostList = hosts.ToList();
        var fleet = await FleetSimulatorService.StartAsync(ServiceOptions(acceleration), hostList, vms);
        var host = await InMemoryDurableHost.StartAsync(
            registry => registry.AddMigrationTasks(),
            new DurableTaskTestHostOptions
            {
                LoggerFactory = Environment.GetEnvironmentVariable("PRESCIENT_TEST_LOGS") == "1"
                    ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information))
                    : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                ConfigureServices = services =>
                {
                    configureServices?.Invoke(services);
                    services.AddPrescientMigrationsInMemory(
                        o => Hypervisor(o, fleet),
                        o => o.Policy = policy ?? FastPolicy());
                },
            });
        return (fleet, host);
    }

    public static MigrationRequest Request(string migrationId, string source, string destination, params string[] vmIds) =>
        new(migrationId, source, destination, vmIds, null, "test", DateTimeOffset.UnixEpoch);

    /// <summary>
    /// Waits until the instance completes; with <paramref name="migrationId"/>, until it completes that migration (the
    /// instance id of a VM is reused by its next migration, and the previous run stays visible until the new one starts).
    /// </summary>
    public static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId, TimeSpan timeout, string? migrationId = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (state is { IsCompleted: true } &&
                (migrationId is null || state.ReadInputAs<MigrationWorkflowInput>()?.Request.MigrationId == migrationId))
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{instanceId} did not complete in {timeout}: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
            }

            await Task.Delay(25);
        }
    }
}
