using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Traces;

public class TraceReaderTests
{
    private static readonly DateTimeOffset Origin = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void PlanetLab_file_is_read_as_five_minute_fractions_from_the_folder_date()
    {
        using var dir = new TempFolder();
        var path = dir.File("20110303/host_slice", "10\n0\n99\n");
        var s = PlanetLabReader.ReadFile(path);
        Assert.Equal([0.10, 0.0, 0.99], s.Values);
        Assert.Equal(new DateTimeOffset(2011, 3, 3, 0, 0, 0, TimeSpan.Zero), s.Start);
        Assert.Equal(TimeSpan.FromMinutes(5), s.Step);
        Assert.Equal(s.Start.AddMinutes(10), s.Timestamps[2]);
    }

    [Theory]
    [InlineData("10\nabc\n", 2, "not a number")]
    [InlineData("10\n101\n", 2, "0..100")]
    [InlineData("10\n-3\n", 2, "0..100")]
    [InlineData("10\n2.5\n", 2, "integer")]
    public void PlanetLab_bad_line_names_file_and_line(string content, int line, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("20110303/vm", content);
        var e = Assert.Throws<TraceFormatException>(() => PlanetLabReader.ReadFile(path));
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanetLab_rejects_more_than_a_day_and_empty_files_and_undated_folders()
    {
        using var dir = new TempFolder();
        var tooLong = dir.File("20110303/long", string.Join("\n", Enumerable.Repeat("5", 289)));
        Assert.Contains("288", Assert.Throws<TraceFormatException>(() => PlanetLabReader.ReadFile(tooLong)).Message, StringComparison.Ordinal);
        var empty = dir.File("20110303/empty", "\n");
        Assert.Contains("no samples", Assert.Throws<TraceFormatException>(() => PlanetLabReader.ReadFile(empty)).Message, StringComparison.Ordinal);
        var undated = dir.File("march/vm", "5\n");
        Assert.Contains("YYYYMMDD", Assert.Throws<TraceFormatException>(() => PlanetLabReader.ReadFile(undated)).Message, StringComparison.Ordinal);
        Assert.Equal(0.05, PlanetLabReader.ReadFile(undated, new DateOnly(2011, 3, 3)).Values[0]);
    }

    [Fact]
    public void PlanetLab_day_folder_reads_every_file_in_name_order()
    {
        using var dir = new TempFolder();
        dir.File("20110306/b", "20\n");
        dir.File("20110306/a", "10\n");
        var day = PlanetLabReader.ReadDay(Path.Combine(dir.Path, "20110306"));
        Assert.Equal(["a", "b"], day.Select(s => s.Name));
    }

    private const string BitbrainsHeader = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]";

    [Fact]
    public void Bitbrains_reads_unix_seconds_and_cpu_percent()
    {
        using var dir = new TempFolder();
        var path = dir.File("1.csv", BitbrainsHeader + "\n1372629804;\t2;\t5851.9;\t87.7;\t1.5;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t1.4\n1372630104;\t2;\t5851.9;\t29.2;\t50;\t8218624.0;\t458575.4;\t0.0;\t2.3;\t0.2;\t1.0\n");
        var s = BitbrainsReader.ReadFile(path);
        Assert.Equal("1", s.Name);
        Assert.Equal([0.015, 0.5], s.Values);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1372629804), s.Start);
        Assert.Equal(TimeSpan.FromSeconds(300), s.Timestamps[1] - s.Timestamps[0]);
    }

    [Theory]
    [InlineData("1372629804;\t2;\t5851.9\n", 2, "expected 11")]
    [InlineData("1372629804;\t2;\t5851.9;\t87.7;\tlots;\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.2;\t1.4\n", 2, "not a number")]
    [InlineData("1372629804;\t2;\t5851.9;\t87.7;\t1;\t8;\t1;\t1;\t1;\t1;\t1\n1372629000;\t2;\t5851.9;\t87.7;\t1;\t8;\t1;\t1;\t1;\t1;\t1\n", 3, "back in time")]
    public void Bitbrains_bad_rows_name_the_line(string rows, int line, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("x.csv", BitbrainsHeader + "\n" + rows);
        var e = Assert.Throws<TraceFormatException>(() => BitbrainsReader.ReadFile(path));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bitbrains_without_the_expected_header_is_refused()
    {
        using var dir = new TempFolder();
        var path = dir.File("x.csv", "a;b;c\n1;2;3\n");
        var e = Assert.Throws<TraceFormatException>(() => BitbrainsReader.ReadFile(path));
        Assert.Equal(1, e.Line);
        Assert.Contains("CPU usage [%]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alibaba_groups_by_machine_and_sorts_by_time()
    {
        using var dir = new TempFolder();
        var path = dir.File("machine_usage.csv", "m_2,30,40,92,,,43.04,33.08,5\nm_1,20,10,92,,,1,1,5\nm_2,10,20,92,,,1,1,5\nm_2,10,99,92,,,1,1,5\n");
        var machines = AlibabaMachineUsageReader.ReadFile(path, Origin);
        Assert.Equal(2, machines.Count);
        var m2 = machines["m_2"];
        Assert.Equal([0.20, 0.40], m2.Values); // the repeated (m_2, 10) keeps the first sample
        Assert.Equal(Origin.AddSeconds(10), m2.Start);
        Assert.Equal(0.10, machines["m_1"].ValueAt(Origin.AddSeconds(25)));
    }

    [Theory]
    [InlineData("m_1,10,20,92\n", "expected 9")]
    [InlineData("m_1,ten,20,92,,,1,1,5\n", "time_stamp")]
    [InlineData("m_1,10,200,92,,,1,1,5\n", "0..100")]
    [InlineData("m_1,10,,92,,,1,1,5\n", "empty")]
    public void Alibaba_bad_rows_are_reported_with_file_and_line(string row, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("machine_usage.csv", "m_1,0,20,92,,,1,1,5\n" + row);
        var e = Assert.Throws<TraceFormatException>(() => AlibabaMachineUsageReader.ReadFile(path, Origin));
        Assert.Equal(2, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AzureV1_reads_one_series_per_vm_column_with_crlf_lines()
    {
        using var dir = new TempFolder();
        var path = dir.File("microsoft_avg_100_part1.csv", "step,111,222\r\n0,44.46,5.86\r\n1,10,20\r\n");
        var vms = AzureV1Reader.ReadFile(path, Origin);
        Assert.Equal(["111", "222"], vms.Select(v => v.Name));
        Assert.Equal([0.4446, 0.10], vms[0].Values);
        Assert.Equal(Origin.AddMinutes(5), vms[1].Timestamps[1]);
    }

    [Theory]
    [InlineData("0,1,2\n1,3\n", 3, "expected 3")]
    [InlineData("0,1,2\n0,3,4\n", 3, "not after")]
    [InlineData("0,1,x\n", 2, "VM 222")]
    public void AzureV1_bad_rows_are_reported(string rows, int line, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("a.csv", "step,111,222\n" + rows);
        var e = Assert.Throws<TraceFormatException>(() => AzureV1Reader.ReadFile(path, Origin));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AzureV1_needs_the_step_header()
    {
        using var dir = new TempFolder();
        var path = dir.File("a.csv", "time,111\n0,1\n");
        Assert.Equal(1, Assert.Throws<TraceFormatException>(() => AzureV1Reader.ReadFile(path, Origin)).Line);
    }

    [Fact]
    public void Aggregates_read_percent_and_fraction_columns()
    {
        using var dir = new TempFolder();
        var ali = dir.File("ali.csv", "cpu_util_percent,mem_util_percent\n16.5,87\n20,86\n");
        var goo = dir.File("goo.csv", "avg_cpu,avg_mem\n0.44,0.33\n");
        Assert.Equal([0.165, 0.20], DatacenterAggregateReader.ReadFile(ali, Origin).Values);
        Assert.Equal([0.44], DatacenterAggregateReader.ReadFile(goo, Origin).Values);
        var bad = dir.File("bad.csv", "avg_cpu,avg_mem\n1.7,0.33\n");
        Assert.Equal(2, Assert.Throws<TraceFormatException>(() => DatacenterAggregateReader.ReadFile(bad, Origin)).Line);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<TraceFormatException>(() => BitbrainsReader.ReadFile("/nonexistent/prescient/1.csv"));
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }
}
