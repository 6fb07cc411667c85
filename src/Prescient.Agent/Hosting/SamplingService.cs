using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;
using Prescient.Agent.Sampling;

namespace Prescient.Agent.Hosting;

/// <summary>
/// Samples the host every <see cref="AgentOptions.SampleInterval"/> and appends each sample to the disk buffer
/// (which numbers it and seals full batches). On stop the open batch is sealed so the next start sends it.
/// </summary>
internal sealed class SamplingService(
    IOptions<AgentOptions> options,
    DiskBuffer buffer,
    TimeProvider time,
    AgentExit exit,
    ILogger<SamplingService> logger) : BackgroundService
{
    /// <summary>Consecutive failures (unreadable /proc, full disk) after which the agent exits for systemd to restart it.</summary>
    internal const int MaxConsecutiveFailures = 10;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            buffer.Seal();
            AgentLog.SamplingStopped(logger, buffer.NextSequence);
        }
        catch (IOException exception)
        {
            // The samples stay in open.json and are sealed at the next start.
            AgentLog.SamplingFailed(logger, 1, exception.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var sampler = new HostSampler(settings, time);
        AgentLog.SamplingStarted(logger, settings.HostId, settings.SampleInterval, settings.SamplesPerBatch, sampler.VmSliceDirectory is { } slice && Directory.Exists(slice) ? slice : $"nowhere ({sampler.VmSliceDirectory ?? "no cgroup v2 hierarchy"} absent: no per-VM figures)");
        var failures = 0;
        using var timer = new PeriodicTimer(settings.SampleInterval, time);
        try
        {
            do
            {
                try
                {
                    if (sampler.Sample() is { } sample)
                    {
                        var numbered = buffer.Append(sample, settings.SamplesPerBatch);
                        AgentLog.Sampled(logger, numbered.Sequence, numbered.Timestamp, numbered.Cpu, numbered.Mem, numbered.Io, numbered.Vms?.Count ?? 0);
                    }

                    failures = 0;
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
                {
                    failures++;
                    AgentLog.SamplingFailed(logger, failures, exception.Message);
                    if (failures >= MaxConsecutiveFailures)
                    {
                        exit.Fail(logger, exception);
                        return;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
