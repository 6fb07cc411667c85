using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Tests;

public class ModelTests
{
    private static IForecastModel[] Models(LoadSeries training)
    {
        var tree = TreeModel.Train([(training, 0, training.Count)], DayCategorizer.WeekdayWeekend)!;
        var network = new NetworkModel(new WorkloadPredictor(new PredictorOptions(), DayCategorizer.WeekdayWeekend, 72));
        network.Predictor.TrainBulk(NetworkModel.Observations(training, 0, training.Count), 3);
        return [LastValueModel.Instance, SeasonalNaiveModel.Day, SeasonalNaiveModel.Week, network, tree.ForHost(0.45)];
    }

    [Fact]
    public void Every_model_forecasts_from_the_past_only()
    {
        var s = Synthetic.Diurnal(9);
        foreach (var model in Models(s))
        {
            var origin = 8 * 72 + 10;
            var before = new double[3];
            Assert.True(model.TryForecast(s, origin, before), model.Name);
            var changed = (double[])s.Values.Clone();
            for (var t = origin; t < changed.Length; t++)
            {
                changed[t] = 1 - changed[t];
            }

            var after = new double[3];
            Assert.True(model.TryForecast(new LoadSeries(s.Start, 72, changed), origin, after));
            Assert.Equal(before, after);
            Assert.All(before, x => Assert.InRange(x, 0, 1));
        }
    }

    [Fact]
    public void No_model_forecasts_without_a_recent_measurement()
    {
        var s = Synthetic.Diurnal(9);
        var values = (double[])s.Values.Clone();
        var origin = 8 * 72;
        for (var t = origin - ModelNames.MaxGap; t < origin; t++)
        {
            values[t] = double.NaN;
        }

        var gap = new LoadSeries(s.Start, 72, values);
        foreach (var model in Models(s))
        {
            Assert.False(model.TryForecast(gap, origin, new double[3]), model.Name);
        }
    }

    [Fact]
    public void Seasonal_naive_repeats_yesterday_and_last_week_and_falls_back_to_the_last_value()
    {
        var s = Synthetic.Diurnal(8, noise: 0.2);
        var f = new double[3];
        Assert.True(SeasonalNaiveModel.Day.TryForecast(s, 100, f));
        Assert.Equal([s[28], s[29], s[30]], f);
        Assert.True(SeasonalNaiveModel.Week.TryForecast(s, 100, f));
        Assert.Equal([s[99], s[99], s[99]], f); // no week of history yet
        Assert.True(SeasonalNaiveModel.Week.TryForecast(s, 510, f));
        Assert.Equal([s[6], s[7], s[8]], f);
    }

    [Fact]
    public void The_tree_model_saves_and_loads_with_identical_forecasts()
    {
        var s = Synthetic.Diurnal(8);
        var tree = TreeModel.Train([(s, 0, 6 * 72)], DayCategorizer.WeekdayWeekend)!;
        var loaded = TreeModel.Load(tree.Save(), DayCategorizer.WeekdayWeekend);
        var a = tree.ForecastRange(s, 6 * 72, 8 * 72, 3, 0.45);
        var b = loaded.ForecastRange(s, 6 * 72, 8 * 72, 3, 0.45);
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i]);
        }

        Assert.Throws<FormatException>(() => TreeModel.Load([1, 2, 3], DayCategorizer.WeekdayWeekend));
    }

    [Fact]
    public void The_tree_model_beats_last_value_three_periods_ahead_on_a_daily_cycle()
    {
        var s = Synthetic.Diurnal(10);
        var tree = TreeModel.Train([(s, 0, 7 * 72)], DayCategorizer.WeekdayWeekend)!.ForHost(s.MeanOf(0, 7 * 72));
        var treeErrors = Backtest.Residuals(s, Backtest.Run(tree, s, 7 * 72, 10 * 72, 3), 7 * 72, 10 * 72, 3);
        var lastErrors = Backtest.Residuals(s, Backtest.Run(LastValueModel.Instance, s, 7 * 72, 10 * 72, 3), 7 * 72, 10 * 72, 3);
        Assert.True(treeErrors[2].Average(Math.Abs) < 0.7 * lastErrors[2].Average(Math.Abs),
            $"tree {treeErrors[2].Average(Math.Abs):0.0000} vs last value {lastErrors[2].Average(Math.Abs):0.0000}");
    }

    [Fact]
    public void Series_periods_follow_the_calendar_across_days()
    {
        var s = new LoadSeries(new PeriodKey(new DateOnly(2026, 3, 1), 70), 72, new double[5]);
        Assert.Equal(new PeriodKey(new DateOnly(2026, 3, 1), 71), s.PeriodAt(1));
        Assert.Equal(new PeriodKey(new DateOnly(2026, 3, 2), 0), s.PeriodAt(2));
        Assert.Equal(new PeriodKey(new DateOnly(2026, 2, 28), 71), s.PeriodAt(-71));
        Assert.Equal(2, s.IndexOf(new PeriodKey(new DateOnly(2026, 3, 2), 0)));
        Assert.Equal(0, s.PeriodOfDay(2));
        Assert.Throws<ArgumentException>(() => new LoadSeries(s.Start, 72, [0.5, 1.5]));
    }
}

public class TreeEnsembleTests
{
    [Fact]
    public void Walking_the_trees_scores_exactly_as_ML_NET_does()
    {
        var s = Synthetic.Diurnal(9, noise: 0.1);
        var tree = TreeModel.Train([(s, 0, 7 * 72)], Core.Calendar.DayCategorizer.WeekdayWeekend)!;
        var loaded = TreeModel.Load(tree.Save(), Core.Calendar.DayCategorizer.WeekdayWeekend);
        for (var origin = 7 * 72; origin < 9 * 72; origin += 7)
        {
            var anchor = origin - 1;
            for (var h = 0; h < 3; h++)
            {
                var row = TreeFeatures.Of(s, origin, anchor, origin + h, 0.45, Core.Calendar.DayCategorizer.WeekdayWeekend);
                Assert.Equal(tree.ScoreWithMlNet(row), tree.Score(row), 5);
                Assert.Equal(tree.ScoreWithMlNet(row), loaded.Score(row), 5);
            }
        }
    }
}
