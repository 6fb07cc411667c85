using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;

namespace Prescient.Cli.Up;

/// <summary>
/// The migration scheduler of the local pipeline. Single migrations go to the durable scheduler unchanged.
/// Evacuations (reduce-power) run here, one host at a time, as top-level durable migrations: plan the moves with the
/// same planner activity as the evacuation workflow, start one migration orchestration per VM group, wait for them,
/// and power the host down once it is empty. Reason: the evacuation workflow starts its migrations as
/// sub-orchestrations, and the in-process sidecar in front of the Azure Storage backend cannot run sub-orchestrations
/// (it hands the backend protobuf tags that the backend cannot read back). Evacuations in flight are kept in memory,
/// so an evacuation interrupted by a stop is not resumed (its migrations, being durable, are).
/// </summary>
public sealed partial class SequentialEvacuationScheduler(
    IMigrationScheduler migrations,
    DurableTaskClient client,
    IHypervisorClient hypervisor,
    ILogger<SequentialEvacuationScheduler> logger,
    CancellationToken stopping) : IMigrationScheduler
{
    public const int MaxConcurrentMigrations = 2;

    private readonly ConcurrentDictionary<string, string> _evacuating = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Evacuations queued or running.</summary>
    public int Evacuating => _evacuating.Count;

    public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
        migrations.StartAsync(request, cancellationToken);

    public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (evacuationId, hostId, reason) = (request.EvacuationId, request.HostId, request.Reason);
        if (!_evacuating.TryAdd(hostId, evacuationId))
        {
            return Task.FromResult(new MigrationStartResult(evacuationId, false, $"host {hostId} is already being evacuated ({_evacuating[hostId]})"));
        }

        _ = Task.Run(() => EvacuateAsync(request), CancellationToken.None);
        return Task.FromResult(new MigrationStartResult(evacuationId, true, null));
    }

    public async Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) =>
        await migrations.GetBusyVmIdsAsync(cancellationToken);

    private async Task EvacuateAsync(EvacuationRequest request)
    {
        var (evacuationId, hostId) = (request.EvacuationId, request.HostId);
        try
        {
            await _oneAtATime.WaitAsync(stopping);
            try
            {
                var outcome = await RunAsync(request);
                LogEvacuation(logger, evacuationId, hostId, outcome);
            }
            finally
            {
                _oneAtATime.Release();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the migrations already started finish (or resume) on the durable runtime.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEvacuation(logger, evacuationId, hostId, "failed: " + e.Message);
        }
        finally
        {
            _evacuating.TryRemove(hostId, out _);
        }
    }

    private async Task<string> RunAsync(EvacuationRequest request)
    {
        var hostId = request.HostId;
        foreach (var host in request.Moves.Where(m => m.WakeDestination).Select(m => m.DestinationHostId).Distinct(StringComparer.Ordinal))
        {
            await hypervisor.SetPowerAsync(host, PowerAction.Wake, stopping);
        }

        var pending = new List<Task<string>>();
        var results = new List<string>();
        foreach (var move in request.Moves)
        {
            if (pending.Count >= MaxConcurrentMigrations)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                results.Add(await done);
            }

            pending.Add(MigrateAsync(move));
        }

        results.AddRange(await Task.WhenAll(pending));
        var status = await hypervisor.GetStatusAsync(hostId, stopping);
        if (status.Vms.Count > 0)
        {
            return $"host still holds {string.Join(", ", status.Vms.Select(v => v.VmId))}: " + string.Join("; ", results);
        }

        await hypervisor.SetPowerAsync(hostId, PowerAction.Reduce, stopping);
        return $"{results.Count} migration(s); host powered down";
    }

    private async Task<string> MigrateAsync(MigrationRequest request)
    {
        var started = await migrations.StartAsync(request, stopping);
        if (!started.Started)
        {
            return $"{request.MigrationId}: not started: {started.RefusalReason}";
        }

        var instanceId = MigrationInstanceIds.ForRequest(request);
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stopping);
            var state = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, stopping);
            if (state is { IsCompleted: true })
            {
                return $"{request.MigrationId}: {state.RuntimeStatus}";
            }
        }
    }

    private static string Sanitise(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));

    [LoggerMessage(Level = LogLevel.Information, Message = "Evacuation {EvacuationId} of {HostId}: {Outcome}")]
    private static partial void LogEvacuation(ILogger logger, string evacuationId, string hostId, string outcome);
}
