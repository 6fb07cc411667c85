using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Cli.Up;

/// <summary>
/// A new run's past: days of telemetry every host would have sent before the run starts (one sample per period, from
/// the VMs' daily profiles), written to the windows, so the networks are trained from the first period.
/// </summary>
internal static class HistoryBootstrap
{
    public static async Task WriteAsync(DemoFleet fleet, WindowStore windows, HostStateStore hosts, DateTimeOffset epoch, int days, CancellationToken cancellationToken)
    {
        var calendar = windows.Calendar;
        var first = calendar.PeriodOf(epoch - TimeSpan.FromDays(days));
        var last = calendar.PeriodOf(epoch);
        await hosts.TouchAsync(fleet.HostIds, epoch, cancellationToken);
        await Parallel.ForEachAsync(
            fleet.HostIds,
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (hostId, ct) =>
            {
                var vms = fleet.Vms.Where(v => v.HostId == hostId).ToList();
                var samples = new List<TelemetrySample>();
                long sequence = 0;
                for (var period = first; period != last; period = calendar.Next(period))
                {
                    var at = calendar.StartOf(period) + (calendar.PeriodLength / 2);
                    samples.Add(SimulatedAgents.Sample(++sequence, at, vms.Select(v => (v, DemoFleet.Load(v, at))).ToList()));
                }

                await windows.ApplyAsync(hostId, samples, ct);
                await hosts.SetInventoryAsync(hostId, 1.0, DemoFleet.HostMemoryMb, ct);
            });
    }
}
