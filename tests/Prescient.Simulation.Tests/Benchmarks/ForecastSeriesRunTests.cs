using Prescient.Core.Calendar;
using Prescient.Forecasting.Series;
using Prescient.Simulation.Benchmarks;

namespace Prescient.Simulation.Tests.Benchmarks;

public class ForecastSeriesRunTests
{
    /// <summary>Ten days of a daily cycle peaking at 0.9 with a little noise, 72 periods a day.</summary>
    private static LoadSeries DailyCycle()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 10 * 72)
            .Select(t => Math.Clamp(0.5 + 0.4 * Math.Sin(2 * Math.PI * t / 72) + (random.NextDouble() - 0.5) * 0.04, 0, 1))
            .ToArray();
        return new LoadSeries(new PeriodKey(new DateOnly(2026, 3, 2), 0), 72, values);
    }

    [Fact]
    public void The_high_load_level_is_the_training_parts_quantile_and_never_below_a_floor()
    {
        var rising = new LoadSeries(new PeriodKey(new DateOnly(2026, 3, 2), 0), 72, [.. Enumerable.Range(0, 100).Select(i => i / 100.0)]);
        Assert.Equal(0.89, ForecastSeriesRun.HighLoadLevel(rising, 100, 0.9), 9);
        Assert.Equal(0.44, ForecastSeriesRun.HighLoadLevel(rising, 50, 0.9), 9);
        var idle = new LoadSeries(new PeriodKey(new DateOnly(2026, 3, 2), 0), 72, [.. Enumerable.Repeat(0.01, 100)]);
        Assert.Equal(0.05, ForecastSeriesRun.HighLoadLevel(idle, 100, 0.9), 9);
    }

    [Fact]
    public void The_upper_band_misses_fewer_high_load_periods_than_last_values_point_forecast()
    {
        var series = DailyCycle();
        var run = new ForecastSeriesRun
        {
            Series = series,
            TrainEnd = 400,
            TestStart = 500,
            Options = new ForecastBenchmarkOptions { DataDirectory = "unused", Epochs = 3, Parallelism = 1 },
        };

        run.Run(tree: null);

        var point = run.Tallies[Array.IndexOf(ForecastSeriesRun.RowModels, "last-value")][0];
        var band = run.Tallies[Array.IndexOf(ForecastSeriesRun.RowModels, "last-value-band")][0];
        var selection = run.Tallies[Array.IndexOf(ForecastSeriesRun.RowModels, "selection")][0];
        Assert.Equal(220, point.Points);
        Assert.InRange(point.HighLoad, 10, 60);
        Assert.Equal(point.HighLoad, band.HighLoad);

        // Persistence is below every rising period: it misses about half of all periods and most rising peaks.
        Assert.InRange(point.UpperMisses, point.Points / 3, point.Points);
        Assert.True(band.HighLoadMisses < point.HighLoadMisses, $"band {band.HighLoadMisses} vs point {point.HighLoadMisses} of {point.HighLoad}");
        Assert.True(selection.HighLoadMisses < point.HighLoadMisses, $"selection {selection.HighLoadMisses} vs point {point.HighLoadMisses}");

        // A 90th-percentile band misses roughly one period in ten, not one in two.
        Assert.InRange(band.UpperMisses / (double)band.Points, 0, 0.25);
    }
}
