using Prescient.Core.Calendar;
using Prescient.Forecasting.Series;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Forecasting;

/// <summary>A regular 20-minute series of one VM or host: values in [0, 1], period 0 starting at <see cref="Start"/>.</summary>
public sealed record ForecastSeries(string Family, string Name, DateTimeOffset Start, double[] Values)
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(20);

    public const int PeriodsPerDay = 72;

    public DateOnly DateOf(int t) => DateOnly.FromDateTime((Start + (Period * t)).UtcDateTime);

    public int PeriodOfDay(int t) => (int)((Start + (Period * t)).UtcDateTime.TimeOfDay.Ticks / Period.Ticks);

    /// <summary>The same values as the forecasting library's series (period 0 of <see cref="Start"/>'s UTC day is index 0 of the day).</summary>
    public LoadSeries ToLoadSeries() => new(new PeriodKey(DateOf(0), PeriodOfDay(0)), PeriodsPerDay, Values);

    /// <summary>Means over 20-minute periods, aligned to the UTC day; values clamped to [0, 1].</summary>
    public static ForecastSeries From(string family, TimeSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var start = new DateTimeOffset(series.Start.UtcDateTime.Date, TimeSpan.Zero);
        start += Period * Math.Floor((series.Start - start) / Period);
        var count = (int)Math.Ceiling((series.End - start) / Period);
        var resampled = series.Resample(start, Period, count);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = Math.Clamp(resampled.Values[i], 0, 1);
        }

        return new ForecastSeries(family, series.Name, start, values);
    }
}

/// <summary>Loads every trace family found under the shared data folder.</summary>
public static class ForecastData
{
    public static readonly DateTimeOffset AzureOrigin = new(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset AlibabaOrigin = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Families: name and a loader; missing folders are skipped with a note.</summary>
    public static IReadOnlyList<(string Family, Func<IReadOnlyList<ForecastSeries>> Load)> Families(string dataDirectory, int planetLabVmsPerDay)
    {
        var list = new List<(string, Func<IReadOnlyList<ForecastSeries>>)>();
        var planetlab = Path.Combine(dataDirectory, "planetlab");
        if (Directory.Exists(planetlab))
        {
            list.Add(("planetlab-vm", () => PlanetLab(planetlab, planetLabVmsPerDay, byHost: false)));
            list.Add(("planetlab-host", () => PlanetLab(planetlab, planetLabVmsPerDay, byHost: true)));
        }

        var bitbrains = Path.Combine(dataDirectory, "bitbrains-rnd");
        if (Directory.Exists(bitbrains))
        {
            list.Add(("bitbrains", () => Bitbrains(bitbrains)));
        }

        var alibaba = Path.Combine(dataDirectory, "alibaba2018", "machine_usage.csv");
        if (File.Exists(alibaba))
        {
            list.Add(("alibaba", () => [.. AlibabaMachineUsageReader.ReadFile(alibaba, AlibabaOrigin).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ForecastSeries.From("alibaba", kv.Value))]));
        }

        var azure = Path.Combine(dataDirectory, "azure-v1", "microsoft_avg_100_part1.csv");
        if (File.Exists(azure))
        {
            list.Add(("azure-v1", () => [.. AzureV1Reader.ReadFile(azure, AzureOrigin).Select(s => ForecastSeries.From("azure-v1", s))]));
        }

        return list;
    }

    private static List<ForecastSeries> PlanetLab(string folder, int vmsPerDay, bool byHost)
    {
        var result = new List<ForecastSeries>();
        foreach (var dayFolder in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            var series = PlanetLabReader.ReadDay(dayFolder);
            if (!byHost)
            {
                // An evenly spaced sample of the day's VMs (deterministic).
                var stride = Math.Max(1, series.Count / vmsPerDay);
                for (var i = 0; i < series.Count && result.Count % 100000 < int.MaxValue; i += stride)
                {
                    result.Add(ForecastSeries.From("planetlab-vm", series[i]));
                }

                continue;
            }

            // Simulated hosts: consecutive groups of 8 VMs of the four CCPE types on a 5320-MIPS host.
            var mips = new[] { 2500.0, 2000, 1000, 500 };
            var block = (int)Math.Ceiling(series.Count / 4.0);
            var hosts = Math.Min(vmsPerDay, series.Count / 8);
            for (var h = 0; h < hosts; h++)
            {
                var values = new double[288];
                for (var j = 0; j < 8; j++)
                {
                    var v = (h * 8) + j;
                    var w = mips[Math.Min(3, v / block)] / 5320 * 4 / 8;
                    var s = series[v].Values;
                    for (var k = 0; k < 288; k++)
                    {
                        values[k] += s[Math.Min(k, s.Count - 1)] * w;
                    }
                }

                var ts = TimeSeries.Regular($"{Path.GetFileName(dayFolder)}/host{h:D3}", series[0].Start, PlanetLabReader.Step, values);
                result.Add(ForecastSeries.From("planetlab-host", ts));
            }
        }

        return result;
    }

    private static List<ForecastSeries> Bitbrains(string folder) =>
        [.. BitbrainsReader.ReadFolder(folder).Select(s => ForecastSeries.From("bitbrains", new TimeSeries("bitbrains-" + s.Name, s.Timestamps, s.Values, BitbrainsReader.Step)))];
}
