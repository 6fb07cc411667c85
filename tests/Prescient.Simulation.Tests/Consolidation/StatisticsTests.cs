using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Tests.Consolidation;

public class StatisticsTests
{
    [Theory]
    [InlineData(0.0, 86.0)]
    [InlineData(0.05, 87.7)]
    [InlineData(0.55, 104.0)]
    [InlineData(1.0, 117.0)]
    public void G4_power_is_interpolated_linearly_between_specpower_points(double load, double watts) =>
        Assert.Equal(watts, PowerModel.HpProLiantMl110G4.WattsAt(load), 9);

    [Theory]
    [InlineData(0.0, 93.7)]
    [InlineData(0.25, 103.0)]
    [InlineData(0.95, 134.0)]
    public void G5_power_is_interpolated_linearly_between_specpower_points(double load, double watts) =>
        Assert.Equal(watts, PowerModel.HpProLiantMl110G5.WattsAt(load), 9);

    [Fact]
    public void Mad_is_the_median_of_absolute_deviations_from_the_median()
    {
        // median 0.3; deviations 0.2, 0.1, 0, 0.1, 0.2 -> 0.1
        Assert.Equal(0.1, Statistics.Mad([0.1, 0.2, 0.3, 0.4, 0.5]), 12);
        // even count: median (0.2 + 0.4) / 2 = 0.3; deviations 0.2, 0.1, 0.1, 0.5 -> (0.1 + 0.2) / 2
        Assert.Equal(0.15, Statistics.Mad([0.1, 0.2, 0.4, 0.8]), 12);
    }

    [Fact]
    public void Iqr_uses_cloudsim_quartile_positions()
    {
        // n = 12: Q1 at round(3.25) = 3rd value, Q3 at round(9.75) = 10th value -> 0.10 - 0.03
        double[] data = [0.12, 0.01, 0.05, 0.02, 0.09, 0.03, 0.11, 0.04, 0.08, 0.06, 0.10, 0.07];
        Assert.Equal(0.07, Statistics.Iqr(data), 12);
    }

    [Fact]
    public void Mad_detector_threshold_is_one_minus_safety_times_mad()
    {
        // Alternating 0.4 / 0.6: median 0.5, MAD 0.1, threshold 1 - 2.5 * 0.1 = 0.75.
        var history = Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? 0.4 : 0.6).ToArray();
        var mad = new MadDetector(2.5);
        Assert.False(mad.IsOverloaded(history, 0.74));
        Assert.True(mad.IsOverloaded(history, 0.76));
    }

    [Fact]
    public void Adaptive_detectors_fall_back_to_thr_07_on_short_history()
    {
        double[] history = [0.5, 0.5, 0.5];
        Assert.True(new MadDetector(2.5).IsOverloaded(history, 0.71));
        Assert.False(new IqrDetector(1.5).IsOverloaded(history, 0.69));
        Assert.True(new LocalRegressionDetector(1.2, robust: false).IsOverloaded(history, 0.71));
    }

    [Fact]
    public void Linear_forecast_extrapolates_the_least_squares_line_one_step()
    {
        var y = Enumerable.Range(1, 10).Select(i => 0.05 * i).ToArray();
        Assert.Equal(0.55, Statistics.LinearForecast(y, 1), 12);
        // Flat with noise symmetric around 0.3: line 0.3, forecast 0.3.
        Assert.Equal(0.3, Statistics.LinearForecast([0.2, 0.4, 0.2, 0.4, 0.3, 0.3, 0.4, 0.2, 0.4, 0.2], 1), 1);
    }

    [Fact]
    public void Lr_detector_compares_safety_times_forecast_with_one()
    {
        // Most recent first: 0.80, 0.78, ..., 0.62 -> line gives 0.82 next; x 1.2 = 0.984 < 1.
        var recentFirst = Enumerable.Range(0, 10).Select(i => 0.80 - (0.02 * i)).ToArray();
        Assert.False(new LocalRegressionDetector(1.2, robust: false).IsOverloaded(recentFirst, 0.8));
        // 0.85 ... -> 0.87 x 1.2 = 1.044 >= 1.
        var higher = Enumerable.Range(0, 10).Select(i => 0.85 - (0.02 * i)).ToArray();
        Assert.True(new LocalRegressionDetector(1.2, robust: false).IsOverloaded(higher, 0.8));
    }

    [Fact]
    public void Robust_regression_ignores_an_outlier_that_pulls_least_squares()
    {
        var y = Enumerable.Range(1, 10).Select(i => 0.05 * i).ToArray();
        y[6] = 0.95; // one spike
        var ols = Statistics.LinearForecast(y, 1);
        var robust = Statistics.RobustLocalRegressionForecast(y, 1);
        Assert.Equal(0.55, robust, 6);
        Assert.True(Math.Abs(ols - 0.55) > 0.05, $"least squares should be pulled by the spike, got {ols}");
    }
}
