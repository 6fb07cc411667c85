using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;
using Xunit.Abstractions;

namespace Prescient.Migration.Tests;

/// <summary>
/// A randomized run of 200 migrations with injected faults, checked against the atomic-lock invariants: never a VM on
/// two hosts, never a VM lost, every outcome matching where the VM really runs, and no lease left held.
/// </summary>
public sealed class InvariantRunTests(ITestOutputHelper output)
{
    private const int Migrations = 200;
    private const int InFlight = 25;

    [Fact]
    public async Task Two_hundred_migrations_with_injected_faults_keep_every_vm_on_exactly_one_host()
    {
        var seed = Environment.GetEnvironmentVariable("PRESCIENT_INVARIANT_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
        output.WriteLine($"seed {seed} (set PRESCIENT_INVARIANT_SEED to replay)");
        var random = new Random(seed);
        var hosts = Enumerable.Range(1, 8).Select(i => new SimHostSpec($"h{i}", CpuCapacity: 64, MemoryMb: 131_072)).ToList();
        var vms = Enumerable.Range(1, 60)
            .Select(i => new SimVmSpec($"vm{i:00}", hosts[i % hosts.Count].HostId, 1 + random.Next(4), 1024 * (1 + random.Next(8)), random.Next(20, 200)))
            .ToList();
        var (fleet, host) = await FleetRig.StartInMemoryAsync(hosts, vms);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var clock = Stopwatch.StartNew();

        var results = new Dictionary<MigrationResult, int>();
        var mismatches = new List<string>();
        var refusedAtStart = 0;
        var running = new List<Task>();
        var busy = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < Migrations; n++)
        {
            while (running.Count >= InFlight)
            {
                running.Remove(await Task.WhenAny(running));
            }

            string vmId;
            lock (busy)
            {
                var free = vms.Select(v => v.VmId).Where(v => !busy.Contains(v)).ToList();
                vmId = free[random.Next(free.Count)];
                busy.Add(vmId);
            }

            var source = fleet.Model.Snapshot().RunningOn(vmId)!;
            var destination = hosts.Select(h => h.HostId).Where(h => h != source).ElementAt(random.Next(hosts.Count - 1));
            var fault = random.Next(10);
            var migrationId = $"r{n}";
            running.Add(RunOneAsync(migrationId, vmId, source, destination, fault));
        }

        await Task.WhenAll(running);
        var snapshot = fleet.Model.Snapshot();
        output.WriteLine($"{Migrations} migrations in {clock.Elapsed.TotalSeconds:0.0} s: " +
            string.Join(", ", results.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")) +
            $"; refused at start {refusedAtStart}; lock refusals in the fleet {snapshot.LockRefusals}");

        Assert.Empty(mismatches);
        Assert.Empty(snapshot.Violations());
        Assert.All(vms, v => Assert.NotNull(snapshot.RunningOn(v.VmId)));
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        Assert.Equal(Migrations, results.Values.Sum() + refusedAtStart);
        Assert.True(results.GetValueOrDefault(MigrationResult.Completed) > Migrations / 3, "most migrations should complete");
        Assert.True(results.GetValueOrDefault(MigrationResult.Aborted) > 0, "the injected faults should abort some migrations");

        async Task RunOneAsync(string migrationId, string vmId, string source, string destination, int fault)
        {
            try
            {
                switch (fault)
                {
                    case 0:
                        fleet.Model.InjectFault(new FaultSpec(destination, FaultKind.UnresponsiveOnResume, DurationSeconds: 1.5));
                        break;
                    case 1:
                        fleet.Model.InjectFault(new FaultSpec(destination, FaultKind.UnresponsiveAfterResumeStarted, DurationSeconds: 1.5));
                        break;
                    case 2:
                        fleet.Model.InjectFault(new FaultSpec(source, FaultKind.Errors, Count: 2));
                        break;
                    case 3:
                        fleet.Model.UpdateVm(vmId, new VmUpdate(DirtyRateMBps: 5000, Cpu: null));
                        break;
                }

                var request = FleetRig.Request(migrationId, source, destination, vmId);
                var started = await scheduler.StartAsync(request, CancellationToken.None);
                if (!started.Started)
                {
                    lock (results)
                    {
                        refusedAtStart++;
                    }

                    return;
                }

                var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForRequest(request), TimeSpan.FromSeconds(90), migrationId);
                var outcome = state.ReadOutputAs<MigrationOutcome>()!;
                var runningOn = fleet.Model.Snapshot().RunningOn(vmId);
                var expected = outcome.Result switch
                {
                    MigrationResult.Completed or MigrationResult.CompletedWithWarnings => destination,
                    MigrationResult.Aborted or MigrationResult.Refused => source,
                    _ => runningOn,
                };
                lock (results)
                {
                    results[outcome.Result] = results.GetValueOrDefault(outcome.Result) + 1;
                    if (outcome.Result == MigrationResult.Failed)
                    {
                        output.WriteLine($"{migrationId} failed: {outcome.Reason}");
                    }

                    if (state.RuntimeStatus != OrchestrationRuntimeStatus.Completed || runningOn != expected)
                    {
                        mismatches.Add($"{migrationId} {vmId} {source}->{destination}: {state.RuntimeStatus} {outcome.Result} ({outcome.Reason}) but runs on {runningOn}");
                    }
                }
            }
            finally
            {
                if (fault == 3)
                {
                    fleet.Model.UpdateVm(vmId, new VmUpdate(DirtyRateMBps: 50, Cpu: null));
                }

                lock (busy)
                {
                    busy.Remove(vmId);
                }
            }
        }
    }
}
