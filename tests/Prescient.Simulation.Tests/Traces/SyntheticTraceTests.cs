using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Traces;

public class SyntheticTraceTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 18, 0, 0, 0, TimeSpan.Zero);

    private static double MeanBetween(TimeSeries s, double fromHour, double toHour) =>
        s.Timestamps.Select((t, i) => (t, v: s.Values[i]))
            .Where(x => (x.t - Day).TotalHours >= fromHour && (x.t - Day).TotalHours < toHour)
            .Average(x => x.v);

    [Fact]
    public void Patent_day_has_the_shape_of_the_patent_figures()
    {
        var s = PatentDay.HostDemand(Day, 1, TimeSpan.FromMinutes(1), seed: 3);
        Assert.True(MeanBetween(s, 0, 6) < 0.08, "near zero at night");
        Assert.True(MeanBetween(s, 10, 10.5) > 0.8, "above 80 % from mid-morning");
        Assert.InRange(MeanBetween(s, 11.5, 12.5), 0.95, 1.1); // about 100 % late morning
        Assert.True(MeanBetween(s, 16.5, 17.5) < 0.8, "below 80 % in the late afternoon");
        Assert.True(MeanBetween(s, 21, 24) < 0.15, "below 15 % in the late evening");
    }

    [Fact]
    public void Patent_day_is_jagged_with_short_spikes()
    {
        var s = PatentDay.HostDemand(Day, 1, TimeSpan.FromMinutes(1), seed: 3);
        var smooth = s.Timestamps.Select(t => PatentDay.LevelAt((t - Day).TotalHours)).ToArray();
        var residuals = s.Values.Select((v, i) => v - smooth[i]).ToArray();
        Assert.Contains(residuals, r => r > 0.06); // spikes well above the smooth curve
        var jumps = residuals.Skip(1).Select((r, i) => Math.Abs(r - residuals[i])).Average();
        Assert.True(jumps > 0.005, $"minute-to-minute jitter {jumps}");
    }

    [Fact]
    public void Same_seed_same_trace_other_seed_other_trace()
    {
        var a = PatentDay.HostDemand(Day, 2, TimeSpan.FromMinutes(5), seed: 11);
        var b = PatentDay.HostDemand(Day, 2, TimeSpan.FromMinutes(5), seed: 11);
        var c = PatentDay.HostDemand(Day, 2, TimeSpan.FromMinutes(5), seed: 12);
        Assert.Equal(a.Values, b.Values);
        Assert.NotEqual(a.Values, c.Values);
    }

    [Fact]
    public void Diurnal_profile_peaks_at_its_hour_and_weekends_are_quieter()
    {
        var profile = new DiurnalProfile(Night: 0.1, Peak: 0.7, PeakHour: 14, WidthHours: 3, WeekendFactor: 0.5);
        var monday = new DateOnly(2026, 3, 16);
        var saturday = new DateOnly(2026, 3, 21);
        Assert.Equal(0.7, profile.LevelAt(monday, 14), 6);
        Assert.True(profile.LevelAt(monday, 3) < 0.12);
        Assert.Equal(0.4, profile.LevelAt(saturday, 14), 6);
        var s = SyntheticTraceGenerator.Diurnal("x", new DateTimeOffset(monday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), 7, TimeSpan.FromMinutes(10), profile, new NoiseOptions(), 5);
        Assert.Equal(7 * 144, s.Count);
        Assert.All(s.Values, v => Assert.InRange(v, 0, 1));
    }

    [Property(MaxTest = 30)]
    public Property Vm_demands_always_sum_to_the_host_demand(PositiveInt seed, PositiveInt vmCount)
    {
        var n = 1 + (vmCount.Get % 8);
        var host = PatentDay.HostDemand(Day, 1, TimeSpan.FromMinutes(15), seed.Get);
        var shares = Enumerable.Range(1, n).Select(i => (double)i).ToArray();
        var vms = PatentDay.SplitIntoVms(host, shares, seed.Get);
        var ok = Enumerable.Range(0, host.Count).All(i => Math.Abs(vms.Sum(v => v.Values[i]) - host.Values[i]) < 1e-9)
            && vms.All(v => v.Values.All(x => x >= 0));
        return ok.ToProperty();
    }

    [Fact]
    public void Time_series_refuses_bad_samples_and_looks_up_the_value_in_force()
    {
        var t0 = Day;
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeSeries.Regular("x", t0, TimeSpan.FromMinutes(1), [0.1, double.NaN]));
        Assert.Throws<ArgumentException>(() => new TimeSeries("x", [t0, t0], [0.1, 0.2], TimeSpan.FromMinutes(1)));
        var s = TimeSeries.Regular("x", t0, TimeSpan.FromMinutes(5), [0.1, 0.2, 0.3]);
        Assert.Equal(0.1, s.ValueAt(t0.AddMinutes(-3)));
        Assert.Equal(0.2, s.ValueAt(t0.AddMinutes(7)));
        Assert.Equal(0.3, s.ValueAt(t0.AddHours(3)));
        var r = s.Resample(t0, TimeSpan.FromMinutes(10), 2);
        Assert.Equal(0.15, r.Values[0], 9);
        Assert.Equal(0.3, r.Values[1], 9);
    }
}
