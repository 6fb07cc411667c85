using System.Globalization;
using System.Text;
using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Consolidation;

/// <summary>Synthetic trace files in the three families' formats.</summary>
internal static class SyntheticFamilies
{
    /// <summary>Alibaba machine_usage.csv lines: (machine, seconds from 2018-01-01, CPU %).</summary>
    public static string Alibaba(IEnumerable<(string Machine, long Seconds, double Cpu)> samples)
    {
        var sb = new StringBuilder();
        foreach (var (m, s, cpu) in samples)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{m},{s},{cpu},50,,,1.0,1.0,3\n");
        }

        return sb.ToString();
    }

    /// <summary>An Azure V1 CPU file: step 0 = 2017-01-01 00:00 UTC; cpu[v][k] in %.</summary>
    public static string Azure(double[][] cpu)
    {
        var sb = new StringBuilder("step");
        for (var v = 0; v < cpu.Length; v++)
        {
            sb.Append(CultureInfo.InvariantCulture, $",vm{v}");
        }

        sb.Append('\n');
        for (var k = 0; k < cpu[0].Length; k++)
        {
            sb.Append(k.ToString(CultureInfo.InvariantCulture));
            foreach (var row in cpu)
            {
                sb.Append(',').Append(row[k].ToString("0.###", CultureInfo.InvariantCulture));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>A Bitbrains file: header, then (Unix seconds, CPU %) rows.</summary>
    public static string Bitbrains(IEnumerable<(long Seconds, double Cpu)> rows)
    {
        var sb = new StringBuilder("Timestamp [ms];\tCPU cores;\tCPU usage [%];\tMemory usage [KB]\n");
        foreach (var (s, cpu) in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{s};\t2;\t{cpu};\t1000\n");
        }

        return sb.ToString();
    }
}

public class TraceFamilyDaysTests
{
    private const long Day = 86400;

    [Fact]
    public void Alibaba_samples_are_averaged_per_five_minute_bin_of_the_utc_day_and_the_day_is_named()
    {
        using var tmp = new TempFolder();
        // m1: every 60 s over 2018-01-02 (day index 1), CPU cycling 10, 20, 30, 40, 50 % in each bin; m2: flat 70 %.
        var samples = new List<(string, long, double)>();
        for (var s = Day; s < 2 * Day; s += 60)
        {
            samples.Add(("m1", s, 10 + (10 * (s / 60 % 5))));
            samples.Add(("m2", s, 70));
        }

        var file = tmp.File("alibaba2018/machine_usage.csv", SyntheticFamilies.Alibaba(samples));
        var days = TraceFamilyDays.Load("alibaba", file);

        var day = Assert.Single(days);
        Assert.Equal("alibaba/2018-01-02", day.Name);
        Assert.Equal(new DateOnly(2018, 1, 2), day.Date);
        Assert.Equal(288, day.Steps);
        Assert.Equal(2, day.VmCount);
        Assert.All(day.Util[0], u => Assert.Equal(0.30, u, 12));
        Assert.All(day.Util[1], u => Assert.Equal(0.70, u, 12));
    }

    [Fact]
    public void A_day_is_used_only_when_every_series_has_samples_in_at_least_90_percent_of_its_bins()
    {
        Assert.Equal(260, TraceFamilyDays.RequiredBins());
        var start = new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // Day 1: VM b misses 28 bins (260 covered: kept). Day 2: VM b misses 29 bins (259 covered: dropped).
        TimeSeries Series(string name, Func<int, bool> present)
        {
            var ts = new List<DateTimeOffset>();
            var vs = new List<double>();
            for (var k = 0; k < 2 * 288; k++)
            {
                if (present(k))
                {
                    ts.Add(start + TimeSpan.FromMinutes(5 * k));
                    vs.Add(0.2);
                }
            }

            return new TimeSeries(name, ts, vs, TimeSpan.FromMinutes(5));
        }

        var a = Series("a", _ => true);
        var b = Series("b", k => !(k is >= 100 and < 128) && !(k is >= 288 + 100 and < 288 + 129));
        var days = TraceFamilyDays.Build("azure-v1", [a, b]);

        Assert.Equal(["azure-v1/2017-01-01"], days.Select(d => d.Name));
        Assert.Equal(2, days[0].VmCount);

        // At 95 % VM b covers neither day: it is left out and VM a runs both days.
        var notes = new List<string>();
        var strict = TraceFamilyDays.Build("azure-v1", [a, b], minCoverage: 0.95, notes: notes);
        Assert.Equal(["azure-v1/2017-01-01", "azure-v1/2017-01-02"], strict.Select(d => d.Name));
        Assert.All(strict, d => Assert.Equal(1, d.VmCount));
        Assert.StartsWith("azure-v1: VM b left out: it has samples in 274 of 288 bins on 0 of the 2 days", Assert.Single(notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Gaps_take_the_last_value_and_a_gap_at_the_start_takes_the_days_first_value()
    {
        var start = new DateTimeOffset(2017, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var ts = new List<DateTimeOffset> { start.AddDays(-1).AddMinutes(30) }; // yesterday's 0.9 must not leak in
        var vs = new List<double> { 0.9 };
        for (var k = 3; k < 288; k++)
        {
            if (k is >= 50 and < 60)
            {
                continue;
            }

            ts.Add(start + TimeSpan.FromMinutes(5 * k));
            vs.Add(k / 1000.0);
        }

        var day = Assert.Single(TraceFamilyDays.Build("azure-v1", [new TimeSeries("x", ts, vs, TimeSpan.FromMinutes(5))]));
        var row = day.Util[0];
        Assert.Equal([0.003, 0.003, 0.003, 0.003], row[..4]);
        Assert.All(row[50..60], u => Assert.Equal(0.049, u, 12));
        Assert.Equal(0.060, row[60], 12);
        Assert.Equal(0.287, row[287], 12);
    }

    [Fact]
    public void Bitbrains_months_of_the_same_id_form_one_vm_and_values_stay_in_0_1()
    {
        using var tmp = new TempFolder();
        var d0 = new DateTimeOffset(2013, 7, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        // July file holds 2013-07-31; August file 2013-08-01 (and repeats July's last sample, which must be ignored).
        tmp.File("bitbrains-rnd/2013-7/1.csv", SyntheticFamilies.Bitbrains(Enumerable.Range(0, 288).Select(k => (d0 + (300L * k), 100.4))));
        tmp.File("bitbrains-rnd/2013-8/1.csv", SyntheticFamilies.Bitbrains(Enumerable.Range(287, 289).Select(k => (d0 + (300L * k), k == 287 ? 99.0 : 25.0))));
        tmp.File("bitbrains-rnd/2013-7/2.csv", SyntheticFamilies.Bitbrains(Enumerable.Range(0, 576).Select(k => (d0 + (300L * k), 5.0))));

        var days = TraceFamilyDays.Load("bitbrains", Path.Combine(tmp.Path, "bitbrains-rnd"));

        Assert.Equal(["bitbrains/2013-07-31", "bitbrains/2013-08-01"], days.Select(d => d.Name));
        Assert.All(days[0].Util[0], u => Assert.Equal(1.0, u));
        Assert.All(days[1].Util[0], u => Assert.Equal(0.25, u, 12));
        Assert.All(days[1].Util[1], u => Assert.Equal(0.05, u, 12));
    }

    [Fact]
    public void Azure_columns_are_vms_in_file_order_from_2017_01_01_and_a_partial_last_day_is_left_out()
    {
        using var tmp = new TempFolder();
        var cpu = new[] { Enumerable.Repeat(10.0, 288 + 200).ToArray(), Enumerable.Repeat(60.0, 288 + 200).ToArray() };
        var file = tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpu));

        var day = Assert.Single(TraceFamilyDays.Load("azure-v1", file));

        Assert.Equal("azure-v1/2017-01-01", day.Name);
        Assert.Equal(0.10, day.Util[0][0], 12);
        Assert.Equal(0.60, day.Util[1][287], 12);
    }

    [Fact]
    public void A_malformed_file_is_an_error_naming_the_file()
    {
        using var tmp = new TempFolder();
        var file = tmp.File("alibaba2018/machine_usage.csv", "m1,0,12,50,,,1,1,3\nm1,60,lots,50,,,1,1,3\n");
        var e = Assert.Throws<TraceFormatException>(() => TraceFamilyDays.Load("alibaba", file));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains(":2:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_missing_families_are_clear_errors()
    {
        var unknown = Assert.Throws<ArgumentException>(() => TraceFamilies.Parse("planetlab,google"));
        Assert.Contains("'google'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("azure-v1", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(TraceFamilies.All, TraceFamilies.Parse("all"));
        Assert.Equal(["bitbrains", "azure-v1"], TraceFamilies.Parse("azure-v1, Bitbrains"));

        using var tmp = new TempFolder();
        Directory.CreateDirectory(Path.Combine(tmp.Path, "planetlab"));
        var missing = Assert.Throws<DirectoryNotFoundException>(() => TraceFamilies.Locate(tmp.Path, "alibaba"));
        Assert.Contains("machine_usage.csv", missing.Message, StringComparison.Ordinal);
        Assert.Contains("holds: planetlab", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1052, 800)]
    [InlineData(50, 40)]
    [InlineData(10, 8)]
    [InlineData(898, 684)]
    [InlineData(1, 2)]
    public void Hosts_scale_with_vms_at_the_ccpe_ratio_rounded_up_to_an_even_number(int vms, int hosts) =>
        Assert.Equal(hosts, ConsolidationSetup.HostsFor(vms));

    [Fact]
    public void Family_days_get_the_ccpe_ratio_planetlab_keeps_800_and_hosts_overrides_both()
    {
        var day = new PlanetLabDay("azure-v1/2017-01-01", [.. Enumerable.Range(0, 50).Select(_ => new double[288])]);
        var azure = new ConsolidationBenchmarkOptions { TracesDirectory = "x", Family = "azure-v1" };
        var planetlab = new ConsolidationBenchmarkOptions { TracesDirectory = "x" };
        Assert.Equal(40, ConsolidationBenchmark.HostsFor(azure, day));
        Assert.Equal(800, ConsolidationBenchmark.HostsFor(planetlab, day));
        Assert.Equal(12, ConsolidationBenchmark.HostsFor(azure with { Hosts = 12 }, day));
        Assert.Equal(12, ConsolidationBenchmark.HostsFor(planetlab with { Hosts = 12 }, day));
    }

    [Fact]
    public void Vm_types_are_assigned_in_four_blocks_as_for_planetlab()
    {
        var day = new PlanetLabDay("alibaba/2018-01-06", [.. Enumerable.Range(0, 10).Select(_ => new double[288])]);
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 8 }, day);
        Assert.Equal([2500, 2500, 2500, 2000, 2000, 2000, 1000, 1000, 1000, 500], fleet.VmMips);
        Assert.Equal([0, 1, 0, 1, 0, 1, 0, 1], fleet.HostType);
    }
}
