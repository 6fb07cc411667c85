using System.Text.Json;
using System.Threading.Channels;
using Prescient.Core.Migration;

namespace Prescient.Hypervisor.Qemu;

internal enum OutgoingPhase
{
    Registered,
    Precopy,
    Quiesced,
    ResumeStarted,
    Finished,
    Aborted,
}

/// <summary>
/// The source side of one migration: QEMU's passes as the contract's rounds. Pass <c>k</c> starts with a dirty bitmap
/// sync (<c>MIGRATION_PASS</c>, <c>dirty-sync-count</c> = k); round k sends the pages dirty at that sync and is complete
/// when pass k+1 starts, whose dirty set is what the VM dirtied meanwhile. Events are handled in order on this
/// migration's own loop, so a <c>query-migrate</c> per pass never holds up the VM's event pump.
/// </summary>
internal sealed class OutgoingMigration
{
    private const double MiB = 1024 * 1024;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, (DateTimeOffset StartedAt, long DirtyBytes)> _passes = [];
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>();
    private readonly TaskCompletionSource _preSwitchover = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<QemuMigrationReport> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _convergedAt;
    private DateTimeOffset? _stoppedAt;
    private Task? _loop;

    public OutgoingMigration(string migrationId, string vmId, string destinationHostId, QemuVm vm)
    {
        MigrationId = migrationId;
        VmId = vmId;
        DestinationHostId = destinationHostId;
        Vm = vm;
    }

    public string MigrationId { get; }

    public string VmId { get; }

    public string DestinationHostId { get; }

    public QemuVm Vm { get; }

    /// <summary>One step at a time per migration: a retried step waits for the first and returns its recorded answer.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public OutgoingPhase Phase { get; set; } = OutgoingPhase.Registered;

    /// <summary>QEMU's migration status from its last <c>MIGRATION</c> event (<c>none</c> before the migration starts).</summary>
    public string QemuStatus { get; private set; } = "none";

    public QuiesceResponse? QuiesceAnswer { get; set; }

    public ResumeResponse? ResumeAnswer { get; set; }

    public FinishResponse? FinishAnswer { get; set; }

    public AbortResponse? AbortAnswer { get; set; }

    public DateTimeOffset? DestinationResumedAt { get; set; }

    public DateTimeOffset? StoppedAt
    {
        get
        {
            lock (_gate)
            {
                return _stoppedAt;
            }
        }
    }

    public int Passes
    {
        get
        {
            lock (_gate)
            {
                return _passes.Count == 0 ? 0 : _passes.Keys.Max();
            }
        }
    }

    /// <summary>Completes when QEMU stops the source's vCPUs and waits for <c>migrate-continue</c>.</summary>
    public Task PreSwitchover => _preSwitchover.Task;

    /// <summary>Completes when QEMU's migration ends on the source: completed, failed or cancelled.</summary>
    public Task<QemuMigrationReport> Ended => _ended.Task;

    public bool IsFailed => QemuStatus is "failed" or "cancelled";

    /// <summary>Starts listening to the VM's migration events; call before <c>migrate</c>.</summary>
    public void Attach()
    {
        Vm.EventReceived += OnEvent;
        _loop = Task.Run(LoopAsync);
        _ = Vm.Exited.ContinueWith(_ => _events.Writer.TryComplete(), TaskScheduler.Default);
    }

    public void Detach()
    {
        Vm.EventReceived -= OnEvent;
        _events.Writer.TryComplete();
    }

    public QemuMigrationReport Report(QemuMigrationReport ended) => ended with { SourceStoppedAt = StoppedAt, DestinationResumedAt = DestinationResumedAt };

    /// <summary>Round <paramref name="round"/> as the contract reports it; null when QEMU has not started that pass yet.</summary>
    public PrecopyRoundStatus? Round(int round, double bandwidthBytesPerSecond, long liveRemainingBytes, DateTimeOffset now)
    {
        lock (_gate)
        {
            var converged = _convergedAt is not null;
            var last = _passes.Count == 0 ? 0 : _passes.Keys.Max();
            if (round > last)
            {
                return converged ? new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, 0, 0, 0, 0) : null;
            }

            var (startedAt, dirty) = _passes[round];
            var next = _passes.Where(p => p.Key > round).Select(p => ((DateTimeOffset StartedAt, long DirtyBytes)?)p.Value).FirstOrDefault();
            if (next is { } n)
            {
                return new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, dirty / MiB, n.DirtyBytes / MiB, (n.StartedAt - startedAt).TotalSeconds, 0);
            }

            if (converged)
            {
                // QEMU found little enough left at this pass's sync to switch over: what is left goes in the stop phase.
                return new PrecopyRoundStatus(MigrationId, round, RoundState.Completed, dirty / MiB, 0, (_convergedAt!.Value - startedAt).TotalSeconds, 0);
            }

            return new PrecopyRoundStatus(MigrationId, round, RoundState.Running, dirty / MiB, 0, Math.Max(0, (now - startedAt).TotalSeconds),
                liveRemainingBytes / bandwidthBytesPerSecond);
        }
    }

    private void OnEvent(QmpEvent e)
    {
        if (e.Name is "MIGRATION" or "MIGRATION_PASS" or "STOP")
        {
            _events.Writer.TryWrite(e);
        }
    }

    private async Task LoopAsync()
    {
        await foreach (var e in _events.Reader.ReadAllAsync())
        {
            switch (e.Name)
            {
                case "STOP":
                    lock (_gate)
                    {
                        _stoppedAt ??= e.Timestamp;
                    }

                    break;
                case "MIGRATION_PASS":
                    await RecordPassAsync(e);
                    break;
                case "MIGRATION":
                    await RecordStatusAsync(e.Data.GetProperty("status").GetString() ?? "", e.Timestamp);
                    break;
            }
        }

        // The VM's QEMU exited (or the migration was detached) before the migration ended.
        _preSwitchover.TrySetException(new QmpException($"QEMU of {VmId} exited during migration {MigrationId}"));
        _ended.TrySetResult(new QemuMigrationReport(MigrationId, "failed", 0, null, null, 0, null, Passes, "QEMU exited", StoppedAt, null));
    }

    private async Task RecordPassAsync(QmpEvent e)
    {
        var pass = e.Data.GetProperty("pass").GetInt32();
        long dirty;
        if (pass == 1)
        {
            dirty = (long)Vm.Definition.MemoryMb * 1024 * 1024; // The first pass sends all memory.
        }
        else
        {
            try
            {
                var info = await Vm.QueryMigrateAsync();
                dirty = info.TryGetProperty("ram", out var ram) ? ram.GetProperty("remaining").GetInt64() : 0;
            }
            catch (QmpException)
            {
                return; // QEMU went away; the loop ends with the connection.
            }
        }

        lock (_gate)
        {
            _passes.TryAdd(pass, (e.Timestamp, dirty));
        }
    }

    private async Task RecordStatusAsync(string status, DateTimeOffset at)
    {
        QemuStatus = status;
        if (status == "pre-switchover")
        {
            lock (_gate)
            {
                _convergedAt ??= at;
            }

            _preSwitchover.TrySetResult();
            return;
        }

        if (status is not ("completed" or "failed" or "cancelled"))
        {
            return;
        }

        if (status == "completed")
        {
            lock (_gate)
            {
                _convergedAt ??= at;
            }
        }

        JsonElement info = default;
        try
        {
            info = await Vm.QueryMigrateAsync();
        }
        catch (QmpException)
        {
            // Reported with what is known.
        }

        _preSwitchover.TrySetException(new QmpException($"Migration {MigrationId} ended {status} before the switch-over"));
        _ended.TrySetResult(new QemuMigrationReport(
            MigrationId,
            status,
            Long(info, "total-time") ?? 0,
            Long(info, "downtime"),
            Long(info, "setup-time"),
            info.ValueKind == JsonValueKind.Object && info.TryGetProperty("ram", out var ram) ? ram.GetProperty("transferred").GetInt64() : 0,
            info.ValueKind == JsonValueKind.Object && info.TryGetProperty("ram", out var r2) && r2.TryGetProperty("downtime-bytes", out var db) ? db.GetInt64() : null,
            Passes,
            info.ValueKind == JsonValueKind.Object && info.TryGetProperty("error-desc", out var error) ? error.GetString() : null,
            StoppedAt,
            null));
    }

    private static long? Long(JsonElement info, string name) =>
        info.ValueKind == JsonValueKind.Object && info.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
