using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Cli.Up;

/// <summary>
/// The simulated agents: every tick, each VM's demand follows its daily profile in the fleet simulator, and each
/// powered host publishes one sample (its load as the simulator measures it, with its running VMs) to the telemetry
/// queue, as <c>prescient-agent</c> does. A host in reduced power has no running agent and publishes nothing; its power
/// state goes to the hosts table when it changes.
/// </summary>
internal sealed class SimulatedAgents(
    DemoFleet fleet,
    IDemoHosts service,
    HostStateStore hosts,
    ITelemetryPublisher publisher,
    SimClock clock,
    TimeSpan interval,
    Action<string, Exception> failed,
    Action<DateTimeOffset>? ticked = null)
{
    private readonly Dictionary<string, DemoVm> _vms = fleet.Vms.ToDictionary(v => v.VmId, StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = fleet.HostIds.ToDictionary(h => h, _ => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, StringComparer.Ordinal);
    private readonly Dictionary<string, PowerState> _power = new(StringComparer.Ordinal);
    private long _published;
    private long _publishedUpTo = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>Samples published so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>The simulated time of the last tick whose samples were all sent: every sample before it is in the queue.</summary>
    public DateTimeOffset PublishedUpTo => new(Interlocked.Read(ref _publishedUpTo), TimeSpan.Zero);

    /// <summary>Writes every host's power state as the simulated hosts report it (at start: they may differ from the table after a restart).</summary>
    public async Task SyncPowerAsync(CancellationToken cancellationToken)
    {
        foreach (var hostId in fleet.HostIds)
        {
            var power = (await service.StatusAsync(hostId, cancellationToken)).PowerState;
            _power[hostId] = power;
            await hosts.SetPowerStateAsync(hostId, HostStatePowerRecorder.StoredName(power), cancellationToken);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await TickAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed("agents", e);
            }
        }
        while (await PipelineLoops.TickAsync(timer, cancellationToken));
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        service.FollowProfiles(now);

        var batches = new List<TelemetryBatch>();
        foreach (var hostId in fleet.HostIds)
        {
            var status = await service.StatusAsync(hostId, cancellationToken);
            if (status.PowerState != _power.GetValueOrDefault(hostId))
            {
                _power[hostId] = status.PowerState;
                await hosts.SetPowerStateAsync(hostId, HostStatePowerRecorder.StoredName(status.PowerState), cancellationToken);
            }

            if (status.PowerState != PowerState.On)
            {
                continue;
            }

            var running = status.Vms.Where(v => v.State == VmRunState.Running && _vms.ContainsKey(v.VmId))
                .Select(v => (_vms[v.VmId], v.Cpu / status.CpuCapacity)).ToList();
            var sample = Sample(++_sequences[hostId], now, running);
            // The simulator's measured load includes the cost of migrations in flight.
            batches.Add(TelemetryBatch.Create(hostId, [sample with { Cpu = Math.Clamp(status.MeasuredLoad, 0, 1) }]));
        }

        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (batch, ct) => await publisher.PublishAsync(batch, ct));
        Interlocked.Add(ref _published, batches.Count);
        Interlocked.Exchange(ref _publishedUpTo, now.UtcTicks);
        ticked?.Invoke(now);
    }

    /// <summary>One host's sample: its VMs' loads and memory, as fractions of the host.</summary>
    public static TelemetrySample Sample(long sequence, DateTimeOffset at, IReadOnlyList<(DemoVm Vm, double Load)> running)
    {
        ArgumentNullException.ThrowIfNull(running);
        var cpu = Math.Clamp(running.Sum(r => r.Load), 0, 1);
        var memory = Math.Clamp(running.Sum(r => r.Vm.MemoryMb) / DemoFleet.HostMemoryMb, 0, 1);
        return new TelemetrySample(sequence, at, cpu, memory, 0.05,
            running.Select(r => new VmSample(r.Vm.VmId, Math.Clamp(r.Load, 0, 1), r.Vm.MemoryMb, r.Vm.DirtyRateMBps)).ToList());
    }
}
