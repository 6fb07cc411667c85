using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

/// <summary>
/// The pipeline benchmark's synthetic fleet: host ids, weeks of history (one sample per period, a daily and weekly
/// cycle with noise, deterministic per host), and what agents send afterwards (batches of consecutive samples with
/// their VMs, numbered after the history).
/// </summary>
internal sealed class BenchmarkFleet(string prefix, int hosts, PeriodCalendar calendar, DateTimeOffset historyEnd, int historyDays)
{
    public int Hosts { get; } = hosts;

    public int HistoryPeriods { get; } = historyDays * calendar.PeriodsPerDay;

    public IReadOnlyList<string> HostIds { get; } = [.. Enumerable.Range(0, hosts).Select(h => prefix + h.ToString("D5", CultureInfo.InvariantCulture))];

    /// <summary>The first period after the history (where agents' batches start).</summary>
    public DateTimeOffset HistoryEnd { get; } = historyEnd;

    /// <summary>One sample a minute into each period of the history, sequences 1 to <see cref="HistoryPeriods"/>.</summary>
    public List<TelemetrySample> History(int host)
    {
        var random = new Random(host);
        var samples = new List<TelemetrySample>(HistoryPeriods);
        for (var i = 0; i < HistoryPeriods; i++)
        {
            var at = HistoryEnd - calendar.PeriodLength * (HistoryPeriods - i) + TimeSpan.FromMinutes(1);
            var key = calendar.PeriodOf(at);
            var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var daily = Math.Sin(2 * Math.PI * key.Index / calendar.PeriodsPerDay - Math.PI / 2);
            var cpu = Math.Clamp((weekend ? 0.25 : 0.45) + (weekend ? 0.1 : 0.3) * daily + (random.NextDouble() - 0.5) * 0.06, 0, 1);
            samples.Add(new TelemetrySample(i + 1, at, cpu, 0.3, 0.05));
        }

        return samples;
    }

    /// <summary>
    /// Batch <paramref name="batch"/> of an agent: <paramref name="size"/> samples <paramref name="interval"/> apart
    /// starting at <see cref="HistoryEnd"/>, each with <paramref name="vms"/> VMs, numbered after the history.
    /// </summary>
    public TelemetryBatch AgentBatch(int host, int batch, int size, int vms, TimeSpan interval)
    {
        var hostId = HostIds[host];
        var samples = new List<TelemetrySample>(size);
        for (var i = 0; i < size; i++)
        {
            var n = batch * size + i;
            var cpu = 0.3 + 0.2 * Math.Sin(n / 50.0 + host);
            samples.Add(new TelemetrySample(
                HistoryPeriods + n + 1,
                HistoryEnd + interval * n,
                cpu,
                0.4,
                0.05,
                vms == 0 ? null : [.. Enumerable.Range(0, vms).Select(v => new VmSample(hostId + "-vm" + v.ToString(CultureInfo.InvariantCulture), cpu / vms, 4096, 8))]));
        }

        return TelemetryBatch.Create(hostId, samples);
    }
}
