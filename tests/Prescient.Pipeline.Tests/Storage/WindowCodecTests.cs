using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Tests.Storage;

public sealed class WindowCodecTests
{
    private static readonly DateOnly Monday = new(2026, 11, 23);

    private static WindowData Window(PeriodKey period, long cpu, params (long First, long Last)[] runs)
    {
        var accumulator = new WindowAccumulator("h", period);
        foreach (var (first, last) in runs)
        {
            for (var s = first; s <= last; s++)
            {
                accumulator.Apply(new WorkloadSample("h", s, default, (s % 997) / 997.0));
            }
        }

        return new WindowData(accumulator) { CpuNanos = cpu, MemNanos = cpu / 2, IoNanos = 7 };
    }

    private static string Describe(IEnumerable<WindowData> windows) => string.Join(
        "\n",
        windows.Select(w =>
        {
            var s = w.Accumulator.ToState();
            return $"{s.Period} {s.Count} {s.SumNanos} {s.Max:R} {w.CpuNanos} {w.MemNanos} {w.IoNanos} {WindowStore.FormatRanges(s.Sequences)}";
        }));

    [Fact]
    public void A_week_of_windows_round_trips_exactly_with_gaps_runs_and_sequences_out_of_period_order()
    {
        List<WindowData> windows =
        [
            Window(new PeriodKey(Monday, 0), 5, (1, 60)),
            Window(new PeriodKey(Monday, 1), 0, (61, 61), (63, 70), (1_000_000_000_000, 1_000_000_000_002)),
            // Later period, lower sequences (a host that was re-numbered earlier and sent its backlog late).
            Window(new PeriodKey(Monday.AddDays(3), 40), long.MaxValue / 4, (5, 5)),
            Window(new PeriodKey(Monday.AddDays(6), 71), 123_456_789_012, (71, 3_670)),
        ];

        var (series, detail) = WindowCodec.Encode(windows, Monday, 72);
        var decoded = WindowCodec.Decode("h", series, detail, Monday, 72);

        Assert.Equal(Describe(windows), Describe(decoded));
        Assert.Equal(
            windows.Select(w => (w.Period, w.Accumulator.Count, w.Accumulator.ToState().SumNanos)),
            WindowCodec.DecodeSeries(series, Monday, 72));
        // Compact: the series is what a retrain reads.
        Assert.True(series.Length < 64, $"{series.Length} bytes");
    }

    [Fact]
    public void A_full_day_of_consecutive_windows_takes_a_few_kilobytes()
    {
        var windows = Enumerable.Range(0, 72)
            .Select(i => Window(new PeriodKey(Monday, i), 600_000_000_000L + i, (1 + 240L * i, 240L * (i + 1))))
            .ToList();

        var (series, detail) = WindowCodec.Encode(windows, Monday, 72);

        Assert.True(series.Length + detail.Length < 2_700, $"{series.Length} + {detail.Length} bytes");
        Assert.Equal(Describe(windows), Describe(WindowCodec.Decode("h", series, detail, Monday, 72)));
    }

    [Fact]
    public void Windows_out_of_order_or_before_the_row_refuse_to_encode()
    {
        var first = Window(new PeriodKey(Monday, 5), 1, (1, 1));
        var second = Window(new PeriodKey(Monday, 4), 1, (2, 2));

        Assert.Throws<ArgumentException>(() => WindowCodec.Encode([first, second], Monday, 72));
        Assert.Throws<ArgumentException>(() => WindowCodec.Encode([Window(new PeriodKey(Monday.AddDays(-1), 0), 1, (1, 1))], Monday, 72));
    }

    [Fact]
    public void Damaged_bytes_are_reported_as_a_format_error_not_read_as_windows()
    {
        var (series, detail) = WindowCodec.Encode([Window(new PeriodKey(Monday, 2), 9, (1, 30))], Monday, 72);

        Assert.Throws<FormatException>(() => WindowCodec.Decode("h", series[..^1], detail, Monday, 72));
        Assert.Throws<FormatException>(() => WindowCodec.Decode("h", series, detail[..^2], Monday, 72));
        Assert.Throws<FormatException>(() => WindowCodec.DecodeSeries([2, 0], Monday, 72));
        // A count that disagrees with the sequences is caught by Core's window restore.
        var tampered = (byte[])series.Clone();
        tampered[3] = 29;
        var error = Assert.Throws<FormatException>(() => WindowCodec.Decode("h", tampered, detail, Monday, 72));
        Assert.Contains("inconsistent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_windows_round_trip()
    {
        List<LatestWindow> latest =
        [
            new(new PeriodKey(Monday, 70), 60, 30_000_000_000, 0.75, 30_000_000_000, 12, 0),
            new(new PeriodKey(Monday.AddDays(1), 0), 1, 1, 1e-9, 1, 1, 1),
        ];

        Assert.Equal(latest, WindowCodec.DecodeLatest(WindowCodec.EncodeLatest(latest)));
        Assert.Empty(WindowCodec.DecodeLatest([]));
    }
}
