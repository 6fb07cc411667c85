using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Qemu;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Xunit.Abstractions;

namespace Prescient.Hypervisor.Tests.RealHypervisor;

/// <summary>Real QEMU guests moved by the real migration workflow between two agent endpoints on loopback.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "RealHypervisor")]
public sealed partial class QemuMigrationTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(5);

    [RealHypervisorFact]
    public async Task A_guest_dirtying_20_MiB_per_second_moves_in_several_rounds_keeps_beating_and_records_QEMUs_downtime()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output);
        var guest = rig.Guest("vm1", dirtyMb: 64, pagesPerSecond: 5120);
        await rig.BootAsync(rig.H1, guest);
        var sourceLog = rig.H1.ConsoleLogOf("vm1")!;
        var request = QemuRig.Request("real-1", "h1", "h2", "vm1");

        var outcome = await rig.MigrateAsync(request, MigrationTimeout);

        Assert.True(outcome.Result == MigrationResult.Completed, outcome.Reason);
        var rounds = outcome.Steps.Where(s => s.Step.StartsWith("precopy-round-", StringComparison.Ordinal)).ToList();
        Assert.True(rounds.Count >= 3, $"{rounds.Count} pre-copy rounds: {string.Join(" | ", rounds.Select(r => r.Outcome))}");
        var history = await rig.Runtime.GetHistoryAsync(MigrationInstanceIds.ForRequest(request));
        Assert.True(history.Count(e => e.EventType == "TaskScheduled" && e.Name == MigrationTaskNames.StartRound) >= 3);

        // The guest goes on beating on the destination, counting on from where it was.
        var lastOnSource = QemuRig.LastHeartbeat(sourceLog);
        var destinationLog = rig.H2.ConsoleLogOf("vm1");
        Assert.NotNull(destinationLog);
        await QemuRig.WaitForHeartbeatAsync(destinationLog, lastOnSource, TimeSpan.FromMinutes(1));
        Assert.Null(rig.H1.ConsoleLogOf("vm1"));
        var h2 = (await rig.H2.GetStatusAsync(CancellationToken.None)).Value!;
        Assert.Equal(VmRunState.Running, Assert.Single(h2.Vms).State);
        Assert.Empty((await rig.H1.GetStatusAsync(CancellationToken.None)).Value!.Vms);

        // QEMU's downtime is in the migration record, as QEMU measured it.
        var report = rig.H1.ReportOf(MigrationWorkflow.HypervisorMigrationId("real-1", "vm1"))!;
        var record = (await rig.Records.GetAsync("real-1"))!;
        var quiesce = Assert.Single(record.Steps, s => s.Step == "quiesce");
        Assert.Equal(report.DowntimeMs, long.Parse(DowntimePattern().Match(quiesce.Outcome).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Empty(await rig.Scheduler.GetBusyVmIdsAsync(CancellationToken.None));

        Print("first migration (creates the Migrations table)", outcome, report);

        // And back: the same measurement once the runtime and the tables are warm.
        var back = await rig.MigrateAsync(QemuRig.Request("real-1-back", "h2", "h1", "vm1"), MigrationTimeout);
        Assert.True(back.Result == MigrationResult.Completed, back.Reason);
        Print("second migration, back", back, rig.H2.ReportOf(MigrationWorkflow.HypervisorMigrationId("real-1-back", "vm1"))!);
        await QemuRig.WaitForHeartbeatAsync(rig.H1.ConsoleLogOf("vm1")!, QemuRig.LastHeartbeat(destinationLog), TimeSpan.FromMinutes(1));
    }

    private void Print(string title, MigrationOutcome outcome, QemuMigrationReport report)
    {
        var rounds = outcome.Steps.Count(s => s.Step.StartsWith("precopy-round-", StringComparison.Ordinal));
        var workflowMs = (outcome.EndedAt - outcome.StartedAt).TotalMilliseconds;
        output.WriteLine(FormattableString.Invariant(
            $"{title}: 32 MiB/s, guest dirtying 20 MiB/s of 64 MiB: {rounds} workflow rounds, {report.Passes} QEMU passes, QEMU total-time {report.TotalTimeMs} ms, downtime {report.DowntimeMs} ms (guest paused {report.GuestPauseSeconds * 1000:0} ms from source STOP to destination RESUME); workflow {workflowMs:0} ms, overhead {workflowMs - report.TotalTimeMs:0} ms"));
        foreach (var step in outcome.Steps)
        {
            output.WriteLine(FormattableString.Invariant($"  {step.Step,-18} {step.StartedAt:HH:mm:ss.fff} {step.Seconds * 1000,6:0} ms  {step.Outcome}"));
        }
    }

    [RealHypervisorFact]
    public async Task B_guest_memory_is_identical_on_both_sides_page_by_page_before_the_destination_resumes()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output, o =>
        {
            o.VerifyMemoryBeforeResume = true;
            o.KeepMemoryDumps = true;
        });
        // Pages are rewritten during pre-copy, at 5 MiB/s: this test is about what arrives, not about convergence (test A
        // drives 20 MiB/s), so a busy machine that slows one round of the 32 MiB/s link must not make it diverge.
        await rig.BootAsync(rig.H1, rig.Guest("vm1", dirtyMb: 64, pagesPerSecond: 1280));

        var outcome = await rig.MigrateAsync(QemuRig.Request("real-mem", "h1", "h2", "vm1"), MigrationTimeout);

        Assert.True(outcome.Result == MigrationResult.Completed, outcome.Reason);
        var source = await File.ReadAllBytesAsync(Path.Combine(rig.Root, "h1", "run", "vm1.source.mem"));
        var destination = await File.ReadAllBytesAsync(Path.Combine(rig.Root, "h2", "run", "vm1.destination.mem"));
        Assert.Equal(256L << 20, source.LongLength);
        Assert.Equal(source.LongLength, destination.LongLength);
        var differing = 0;
        for (var page = 0; page < source.Length; page += MemoryComparison.PageSize)
        {
            if (!source.AsSpan(page, MemoryComparison.PageSize).SequenceEqual(destination.AsSpan(page, MemoryComparison.PageSize)))
            {
                differing++;
            }
        }

        Assert.Equal(0, differing);
        Assert.True(source.AsSpan().ContainsAnyExcept((byte)0), "the dump holds the guest's memory, not zeros");
        await QemuRig.WaitForHeartbeatAsync(rig.H2.ConsoleLogOf("vm1")!, QemuRig.LastHeartbeat(rig.H2.ConsoleLogOf("vm1")!), TimeSpan.FromMinutes(1));
    }

    [RealHypervisorFact]
    public async Task C_cancel_during_pre_copy_keeps_the_guest_running_on_the_source_and_releases_the_lease()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output, o => o.BandwidthMBps = 8);
        await rig.BootAsync(rig.H1, rig.Guest("vm1", dirtyMb: 64, pagesPerSecond: 5120));
        var request = QemuRig.Request("real-cancel", "h1", "h2", "vm1");
        var hypervisorId = MigrationWorkflow.HypervisorMigrationId("real-cancel", "vm1");
        Assert.True((await rig.Scheduler.StartAsync(request, CancellationToken.None)).Started);
        await QemuRig.WaitForPassesAsync(rig.H1, hypervisorId, 1, TimeSpan.FromMinutes(2));

        var control = new DurableMigrationControl(rig.Records, () => rig.Runtime.Client);
        Assert.Equal(CancelOutcome.CancelRequested, await control.CancelAsync("real-cancel", "maintenance window", "ops", CancellationToken.None));
        var state = await rig.WaitAsync(MigrationInstanceIds.ForRequest(request), MigrationTimeout);

        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Cancelled, outcome.Result);
        await AssertRunsOnSourceOnlyAsync(rig, hypervisorId);
    }

    [RealHypervisorFact]
    public async Task D_destination_killed_mid_pre_copy_takes_the_abort_path_and_the_guest_runs_on_the_source()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output, o => o.BandwidthMBps = 8);
        await rig.BootAsync(rig.H1, rig.Guest("vm1", dirtyMb: 64, pagesPerSecond: 5120));
        var request = QemuRig.Request("real-kill", "h1", "h2", "vm1");
        var hypervisorId = MigrationWorkflow.HypervisorMigrationId("real-kill", "vm1");
        Assert.True((await rig.Scheduler.StartAsync(request, CancellationToken.None)).Started);
        await QemuRig.WaitForPassesAsync(rig.H1, hypervisorId, 1, TimeSpan.FromMinutes(2));

        rig.H2.IncomingProcess(hypervisorId)!.Kill();
        var state = await rig.WaitAsync(MigrationInstanceIds.ForRequest(request), MigrationTimeout);

        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.True(outcome.Result == MigrationResult.Aborted, $"{outcome.Result}: {outcome.Reason}");
        Assert.Contains("pre-copy", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("h1", Assert.Single(outcome.Vms).RunningOn);
        await AssertRunsOnSourceOnlyAsync(rig, hypervisorId);
    }

    [RealHypervisorFact]
    public async Task E_guest_dirtying_faster_than_the_bandwidth_is_aborted_when_the_setting_says_abort()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output, o => o.BandwidthMBps = 16,
            QemuRig.Policy(new PrecopyPolicy(StopWhenDirtyMb: 8, OnNonConvergence: NonConvergenceHandling.Abort)));
        await rig.BootAsync(rig.H1, rig.Guest("vm1", dirtyMb: 48, pagesPerSecond: 25600));
        var hypervisorId = MigrationWorkflow.HypervisorMigrationId("real-diverge", "vm1");

        var outcome = await rig.MigrateAsync(QemuRig.Request("real-diverge", "h1", "h2", "vm1"), MigrationTimeout);

        Assert.True(outcome.Result == MigrationResult.Aborted, $"{outcome.Result}: {outcome.Reason}");
        Assert.Contains("setting: abort", outcome.Reason, StringComparison.Ordinal);
        await AssertRunsOnSourceOnlyAsync(rig, hypervisorId);
    }

    [RealHypervisorFact]
    public async Task E_guest_dirtying_faster_than_the_bandwidth_is_switched_over_when_the_setting_says_stop_and_copy()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output, o => o.BandwidthMBps = 16,
            QemuRig.Policy(new PrecopyPolicy(StopWhenDirtyMb: 8, OnNonConvergence: NonConvergenceHandling.StopAndCopy)));
        await rig.BootAsync(rig.H1, rig.Guest("vm1", dirtyMb: 48, pagesPerSecond: 25600));
        var lastOnSource = 0;

        var outcome = await rig.MigrateAsync(QemuRig.Request("real-stopcopy", "h1", "h2", "vm1"), MigrationTimeout);

        Assert.True(outcome.Result == MigrationResult.Completed, $"{outcome.Result}: {outcome.Reason}");
        Assert.Contains(outcome.Steps, s => s.Step.StartsWith("precopy-round-", StringComparison.Ordinal) && s.Outcome.Contains("StopAndCopy", StringComparison.Ordinal));
        var report = rig.H1.ReportOf(MigrationWorkflow.HypervisorMigrationId("real-stopcopy", "vm1"))!;
        output.WriteLine(FormattableString.Invariant($"stop-and-copy: QEMU downtime {report.DowntimeMs} ms, {report.DowntimeBytes / 1048576.0:0.0} MiB sent while stopped"));
        lastOnSource = QemuRig.LastHeartbeat(rig.H2.ConsoleLogOf("vm1")!);
        await QemuRig.WaitForHeartbeatAsync(rig.H2.ConsoleLogOf("vm1")!, lastOnSource, TimeSpan.FromMinutes(1));
    }

    [RealHypervisorFact]
    public async Task F_the_same_request_twice_is_one_migration()
    {
        await using var rig = await QemuRig.StartAsync(azurite.ConnectionString, output);
        var guest = rig.Guest("vm1", dirtyMb: 16, pagesPerSecond: 1000);
        await rig.BootAsync(rig.H1, guest);
        var request = QemuRig.Request("real-twice", "h1", "h2", "vm1");
        var instanceId = MigrationInstanceIds.ForRequest(request);
        var hypervisorId = MigrationWorkflow.HypervisorMigrationId("real-twice", "vm1");

        // Submitted twice at once: one orchestration instance (the id is the request's), one migration on the hosts.
        var starts = await Task.WhenAll(rig.Scheduler.StartAsync(request, CancellationToken.None), rig.Scheduler.StartAsync(request, CancellationToken.None));
        Assert.Contains(starts, s => s.Started);
        Assert.All(starts, s => Assert.Equal("real-twice", s.MigrationId));
        var state = await rig.WaitAsync(instanceId, MigrationTimeout);
        Assert.Equal(MigrationResult.Completed, state.ReadOutputAs<MigrationOutcome>()!.Result);
        var history = await rig.Runtime.GetHistoryAsync(instanceId);
        Assert.Single(history, e => e.EventType == "ExecutionStarted");
        Assert.Single(history, e => e.EventType == "TaskScheduled" && e.Name == MigrationTaskNames.Prepare);

        // Each step repeated on the hosts answers what it answered, and starts nothing.
        var prepare = new PrepareRequest("vm1", "h1", guest.MemoryMb, 0);
        var prepared = await rig.H2.PrepareAsync(hypervisorId, prepare, CancellationToken.None);
        Assert.True(prepared.Value!.OkToMigrate);
        var round1 = await rig.H1.StartRoundAsync(hypervisorId, 1, new PrecopyRoundRequest("vm1", "h2"), CancellationToken.None);
        Assert.Equal(RoundState.Completed, round1.Value!.State);
        Assert.Equal("h2", (await rig.H1.FinishAsync(hypervisorId, CancellationToken.None)).Value!.RunningOnHostId);
        Assert.Equal(HypervisorErrorCodes.ResumeStarted, (await rig.H1.AbortAsync(hypervisorId, CancellationToken.None)).Error!.Code);

        // Asked again under a new id once it is done: the VM is no longer on the source, nothing moves.
        var again = request with { MigrationId = "real-twice-again" };
        if ((await rig.Scheduler.StartAsync(again, CancellationToken.None)).Started)
        {
            var second = await rig.WaitAsync(MigrationInstanceIds.ForRequest(again), MigrationTimeout);
            Assert.Equal(MigrationResult.Refused, second.ReadOutputAs<MigrationOutcome>()!.Result);
        }

        var h2 = (await rig.H2.GetStatusAsync(CancellationToken.None)).Value!;
        Assert.Equal("vm1", Assert.Single(h2.Vms).VmId);
        Assert.Empty((await rig.H1.GetStatusAsync(CancellationToken.None)).Value!.Vms);
        Assert.Equal(1, System.Diagnostics.Process.GetProcesses().Count(p => IsQemuOf(p, rig.Root)));
    }

    private static bool IsQemuOf(System.Diagnostics.Process process, string root)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline").Contains(root, StringComparison.Ordinal) && process.ProcessName.StartsWith("qemu", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task AssertRunsOnSourceOnlyAsync(QemuRig rig, string hypervisorId)
    {
        var vm = rig.H1.VmProcess("vm1");
        Assert.NotNull(vm);
        Assert.Equal("running", await vm.RunStateAsync());
        var log = rig.H1.ConsoleLogOf("vm1")!;
        await QemuRig.WaitForHeartbeatAsync(log, QemuRig.LastHeartbeat(log), TimeSpan.FromMinutes(1));
        Assert.Empty((await rig.H2.GetStatusAsync(CancellationToken.None)).Value!.Vms);
        Assert.Equal(HostMigrationPhase.Aborted, (await rig.H1.GetMigrationAsync(hypervisorId, CancellationToken.None)).Value!.Phase);
        Assert.Empty(await rig.Scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [GeneratedRegex(@"downtime (\d+) ms")]
    private static partial Regex DowntimePattern();
}
