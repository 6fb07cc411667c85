using Prescient.Core.Network;
using Prescient.Simulation.Forecasting;

namespace Prescient.Simulation.Tests.Forecasting;

public class ForecasterTests
{
    private static ForecastSeries Diurnal(int days, double noise = 0)
    {
        var rng = new Random(5);
        var values = new double[days * 72];
        for (var t = 0; t < values.Length; t++)
        {
            values[t] = Math.Clamp(0.5 + (0.3 * Math.Sin(2 * Math.PI * (t % 72) / 72.0)) + (noise * (rng.NextDouble() - 0.5)), 0, 1);
        }

        return new ForecastSeries("synthetic", "s", new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero), values);
    }

    [Fact]
    public void Baselines_use_only_the_past()
    {
        var s = Diurnal(8);
        Assert.Equal(s.Values[99], new LastValueForecaster().Forecast(s, 100));
        Assert.Equal(s.Values[100 - 72], new SeasonalForecaster("y", 72).Forecast(s, 100));
        Assert.Equal(s.Values[99], new SeasonalForecaster("w", 504).Forecast(s, 100)); // too short: last value
        Assert.Equal(s.Values[600 - 504], new SeasonalForecaster("w", 504).Forecast(s, 600));
    }

    [Fact]
    public void Same_period_yesterday_is_exact_on_a_noise_free_daily_cycle()
    {
        var s = Diurnal(3);
        var f = new SeasonalForecaster("y", 72);
        for (var t = 72; t < s.Values.Length; t++)
        {
            Assert.Equal(s.Values[t], f.Forecast(s, t), 12);
        }
    }

    [Fact]
    public void The_network_learns_a_daily_cycle_better_than_last_value()
    {
        var s = Diurnal(10, noise: 0.02);
        var train = 7 * 72;
        var net = new NetworkForecaster("adam", OptimizerKind.Adam, perDayCategory: false, epochs: 30);
        net.Fit(s, train);
        double netErr = 0, lastErr = 0;
        for (var t = train; t < s.Values.Length; t++)
        {
            netErr += Math.Abs(net.Forecast(s, t) - s.Values[t]);
            lastErr += Math.Abs(s.Values[t - 1] - s.Values[t]);
        }

        Assert.True(netErr < lastErr, $"network MAE sum {netErr:0.000} vs last value {lastErr:0.000}");
    }

    [Fact]
    public void Periods_are_aligned_to_the_utc_day()
    {
        var s = Diurnal(2);
        Assert.Equal(0, s.PeriodOfDay(0));
        Assert.Equal(71, s.PeriodOfDay(71));
        Assert.Equal(0, s.PeriodOfDay(72));
        Assert.Equal(new DateOnly(2026, 1, 6), s.DateOf(72));
    }
}
