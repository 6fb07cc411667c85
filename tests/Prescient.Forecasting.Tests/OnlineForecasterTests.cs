using Prescient.Core.Calendar;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Online;

namespace Prescient.Forecasting.Tests;

public class OnlineForecasterTests
{
    [Fact]
    public void Fed_period_by_period_it_learns_a_daily_cycle_and_forecasts_better_than_last_value_with_a_calibrated_band()
    {
        var s = Synthetic.Diurnal(10, noise: 0.04);
        var forecaster = new OnlineForecaster(72, DayCategorizer.WeekdayWeekend);
        double modelError = 0, lastError = 0;
        int covered = 0, scored = 0;
        for (var t = 0; t < s.Count; t++)
        {
            if (t >= 7 * 72)
            {
                var f = forecaster.Forecast()!.Forecast;
                Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(f.Upper[k], f.Mean[k], 1));
                modelError += Math.Abs(s[t] - f.Mean[0]);
                lastError += Math.Abs(s[t] - s[t - 1]);
                covered += s[t] <= f.Upper[0] ? 1 : 0;
                scored++;
            }
            else
            {
                forecaster.Forecast();
            }

            forecaster.Observe(s.PeriodAt(t), s[t]);
        }

        Assert.NotEqual(ModelNames.LastValue, forecaster.StepModels[2]);
        Assert.True(modelError < lastError, $"{modelError / scored:0.0000} vs last value {lastError / scored:0.0000}");
        Assert.InRange(covered / (double)scored, 0.8, 0.98);
    }

    [Fact]
    public void Periods_must_move_forward_and_gaps_are_not_measured()
    {
        var forecaster = new OnlineForecaster(72, DayCategorizer.None);
        var start = new PeriodKey(new DateOnly(2026, 1, 1), 0);
        forecaster.Observe(start, 0.5);
        forecaster.Observe(new PeriodKey(start.Date, 2), 0.6);
        Assert.Equal(3, forecaster.Count);
        Assert.Throws<ArgumentException>(() => forecaster.Observe(new PeriodKey(start.Date, 1), 0.4));
        Assert.Equal(0.6, forecaster.Forecast()!.Forecast.Mean[0]);
    }
}
