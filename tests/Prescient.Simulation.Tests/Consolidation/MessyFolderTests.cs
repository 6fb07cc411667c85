using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Consolidation;

/// <summary>Real trace folders are messy: what cannot be used is left out and said, and the rest runs.</summary>
public class MessyFolderTests
{
    private const long Day = 86400;

    /// <summary>Alibaba samples, one per 5-minute bin, for <paramref name="machine"/> from second <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static IEnumerable<(string, long, double)> Machine(string machine, long from, long to, double cpu) =>
        Enumerable.Range(0, (int)((to - from) / 300)).Select(i => (machine, from + (300L * i), cpu));

    [Fact]
    public void A_short_lived_machine_is_left_out_instead_of_making_the_family_unusable()
    {
        // Alibaba layout: m1-m3 run for four days (2018-01-01 to 01-04); m4 appears in the middle of 01-03 and covers
        // no whole day. Every day used to need every machine, so no day was left and the family could not run.
        using var tmp = new TempFolder();
        var samples = Machine("m1", 0, 4 * Day, 20).Concat(Machine("m2", 0, 4 * Day, 30)).Concat(Machine("m3", 0, 4 * Day, 40))
            .Concat(Machine("m4", (2 * Day) + (Day / 2), 3 * Day, 90));
        var file = tmp.File("alibaba2018/machine_usage.csv", SyntheticFamilies.Alibaba(samples));

        var notes = new List<string>();
        var days = TraceFamilyDays.Load("alibaba", file, notes: notes);

        Assert.Equal(["alibaba/2018-01-01", "alibaba/2018-01-02", "alibaba/2018-01-03", "alibaba/2018-01-04"], days.Select(d => d.Name));
        Assert.All(days, d => Assert.Equal(3, d.VmCount));
        Assert.All(days[2].Util[2], u => Assert.Equal(0.40, u, 12)); // m3 keeps its place after m1, m2
        var note = Assert.Single(notes);
        Assert.Equal("alibaba: machine m4 left out: it has samples in 260 of 288 bins on 0 of the 4 days the other machines cover; keeping it would leave 0 day(s)", note);
    }

    [Fact]
    public void A_vm_missing_a_few_days_keeps_its_place_and_those_days_are_left_out_and_said()
    {
        // Four VMs over six days; VM c misses day 3. Keeping it: 4 VMs x 5 days = 20 VM-days > 3 x 6 = 18.
        var start = new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);
        TimeSeries Series(string name, Func<int, bool> day)
        {
            var ts = Enumerable.Range(0, 6 * 288).Where(k => day(k / 288)).Select(k => start + TimeSpan.FromMinutes(5 * k)).ToList();
            return new TimeSeries(name, ts, [.. ts.Select(_ => 0.2)], TimeSpan.FromMinutes(5));
        }

        var notes = new List<string>();
        var days = TraceFamilyDays.Build("azure-v1", [Series("a", _ => true), Series("b", _ => true), Series("c", d => d != 3), Series("d", _ => true)], notes: notes);

        Assert.Equal(5, days.Count);
        Assert.All(days, d => Assert.Equal(4, d.VmCount));
        Assert.Equal("azure-v1/2017-01-04 left out: 1 VM(s) have samples in fewer than 260 of 288 bins (c: 0)", Assert.Single(notes));
    }

    [Fact]
    public void The_fleet_with_the_most_vm_days_is_chosen_even_when_two_short_lived_vms_each_block_different_days()
    {
        // VMs 0-3 cover days 0-5; VM 4 covers days 0-2 only, VM 5 days 3-5 only. Dropping one of them alone gains
        // nothing; dropping both gives 4 x 6 = 24 VM-days, more than 5 x 3 = 15.
        bool[] Days(params int[] d) => [.. Enumerable.Range(0, 6).Select(d.Contains)];
        var all = Days(0, 1, 2, 3, 4, 5);
        var (vms, days) = TraceFamilyDays.ChooseFleet([all, all, all, all, Days(0, 1, 2), Days(3, 4, 5)], 6);
        Assert.Equal([0, 1, 2, 3], vms);
        Assert.Equal([0, 1, 2, 3, 4, 5], days);
    }

    [Fact]
    public void Unreadable_bitbrains_files_and_malformed_alibaba_lines_are_skipped_and_said()
    {
        using var tmp = new TempFolder();
        var d0 = new DateTimeOffset(2013, 7, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        tmp.File("bitbrains-rnd/2013-7/1.csv", SyntheticFamilies.Bitbrains(Enumerable.Range(0, 288).Select(k => (d0 + (300L * k), 10.0))));
        tmp.File("bitbrains-rnd/2013-7/2.csv", "this is not a Bitbrains file\n");
        tmp.File("bitbrains-rnd/2013-7/3.csv", SyntheticFamilies.Bitbrains(Enumerable.Range(0, 288).Select(k => (d0 + (300L * k), 30.0))));
        var folder = Path.Combine(tmp.Path, "bitbrains-rnd");

        Assert.Throws<TraceFormatException>(() => TraceFamilyDays.Load("bitbrains", folder));
        var notes = new List<string>();
        var day = Assert.Single(TraceFamilyDays.Load("bitbrains", folder, notes: notes));
        Assert.Equal(2, day.VmCount);
        Assert.Contains(notes, n => n.StartsWith("bitbrains: file ", StringComparison.Ordinal) && n.Contains("2.csv left out: the header lacks", StringComparison.Ordinal));

        // A download cut in the middle of its last line.
        var text = SyntheticFamilies.Alibaba(Machine("m1", 0, Day, 20)) + "m1,86400,2";
        var file = tmp.File("alibaba2018/machine_usage.csv", text);
        Assert.Throws<TraceFormatException>(() => TraceFamilyDays.Load("alibaba", file));
        var alibabaNotes = new List<string>();
        Assert.Single(TraceFamilyDays.Load("alibaba", file, notes: alibabaNotes));
        Assert.StartsWith("alibaba: 1 malformed line(s) skipped, the first: ", Assert.Single(alibabaNotes), StringComparison.Ordinal);
        Assert.Contains(":289: expected 9 comma-separated fields", alibabaNotes[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_planetlab_folder_with_an_unreadable_file_and_an_empty_day_runs_the_rest()
    {
        using var tmp = new TempFolder();
        var ok = string.Join('\n', Enumerable.Repeat("12", 288));
        tmp.File("planetlab/20110303/a", ok);
        tmp.File("planetlab/20110303/b", "12\n250\n");
        tmp.File("planetlab/20110303/c", ok);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "planetlab", "20110304"));
        tmp.File("planetlab/20110305/a", ok);
        var options = new ConsolidationBenchmarkOptions { TracesDirectory = Path.Combine(tmp.Path, "planetlab"), Parallelism = 1 };

        var notes = new List<string>();
        var days = ConsolidationBenchmark.ResolveFleetDays(options, notes);

        Assert.Equal(["20110303", "20110305"], days.Select(d => d.Name));
        Assert.Equal(2, days[0].Day.Value.VmCount);
        Assert.Equal(
            ["planetlab/20110303: VM file b left out: CPU % '250' is not an integer in 0..100.", "planetlab/20110304 left out: the day folder holds no VM file."],
            notes);
        Assert.Throws<TraceFormatException>(() => ConsolidationBenchmark.ResolveFleetDays(options));
    }
}
