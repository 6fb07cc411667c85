using Microsoft.Extensions.Logging;

namespace Prescient.Hypervisor.Qemu;

/// <summary>Host CPU load and each VM's dirty rate, sampled in the background for the status call.</summary>
public sealed partial class QemuHost
{
    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        try
        {
            do
            {
                SampleCpu();
                DropExpiredPreparations();
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void SampleCpu()
    {
        if (_options.LoadSource == LoadSource.Host)
        {
            try
            {
                if (_proc.BusyFraction() is { } busy)
                {
                    Volatile.Write(ref _hostBusy, busy);
                }
            }
            catch (IOException e)
            {
                LogSampleFailed(_log, e.Message);
            }
        }

        var now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (var (vmId, vm) in _vms)
            {
                if (vm.CpuSeconds() is not { } seconds)
                {
                    continue;
                }

                var cores = _cpu.TryGetValue(vmId, out var previous) && now > previous.At
                    ? Math.Max(0, (seconds - previous.Seconds) / _time.GetElapsedTime(previous.At, now).TotalSeconds)
                    : 0;
                _cpu[vmId] = (seconds, now, cores);
            }
        }
    }

    private async Task DirtyRateLoopAsync()
    {
        if (_options.DirtyRateInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.DirtyRateInterval, _time);
        try
        {
            do
            {
                List<QemuVm> idle;
                lock (_gate)
                {
                    idle = [.. _vms.Values.Where(v => !_busy.ContainsKey(v.Definition.VmId))];
                }

                foreach (var vm in idle)
                {
                    if (await MeasureDirtyRateAsync(vm, _stopping.Token) is { } rate)
                    {
                        lock (_gate)
                        {
                            _dirtyRates[vm.Definition.VmId] = rate;
                        }
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>QEMU's own dirty-rate measurement (<c>calc-dirty-rate</c>, one second of page sampling), MiB/s.</summary>
    private async Task<double?> MeasureDirtyRateAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        try
        {
            await vm.ExecuteAsync("calc-dirty-rate", new Dictionary<string, object> { ["calc-time"] = 1 }, cancellationToken);
            for (var attempt = 0; attempt < 20; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(attempt == 0 ? 1100 : 250), _time, cancellationToken);
                var result = await vm.ExecuteAsync("query-dirty-rate", null, cancellationToken);
                if (result.GetProperty("status").GetString() == "measured")
                {
                    return result.GetProperty("dirty-rate").GetDouble();
                }
            }
        }
        catch (QmpException e)
        {
            LogDirtyRateFailed(_log, vm.Definition.VmId, e.Message);
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host sampling failed: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dirty-rate measurement of {VmId} failed: {Reason}")]
    private static partial void LogDirtyRateFailed(ILogger logger, string vmId, string reason);
}
