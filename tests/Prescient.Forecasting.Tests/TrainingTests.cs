using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Tests;

public class TrainingTests
{
    private static readonly HostTrainingOptions Options = new() { Epochs = 10 };

    private static PredictorOptions Predictor(string host) =>
        new() { Network = NetworkOptions.Default with { Seed = HostTrainer.StableHash(host) }, TrainingDeadlinePeriods = int.MaxValue };

    private static HostTrainingResult TrainOne(LoadSeries history, ForecastBundle? previous, bool full, TreeModel? tree = null, string? version = null) =>
        HostTrainer.Train([new HostTrainingInput("h1", history, previous, Predictor("h1"), DayCategorizer.WeekdayWeekend, full)], tree, version, Options, DateTimeOffset.UnixEpoch)[0];

    [Fact]
    public void Batch_training_gives_each_network_the_same_weights_whatever_shares_its_lanes()
    {
        WorkloadPredictor Make(int seed) => new(new PredictorOptions { Network = NetworkOptions.Default with { Seed = (ulong)seed } }, DayCategorizer.WeekdayWeekend, 72);
        var series = Enumerable.Range(0, 11).Select(i => NetworkModel.Observations(Synthetic.Diurnal(4, seed: i, phase: i), 0, 4 * 72)).ToList();
        var alone = Make(3);
        NetworkBatchTrainer.Train([(alone, series[3], 5)]);
        var together = Enumerable.Range(0, 11).Select(Make).ToList();
        NetworkBatchTrainer.Train([.. together.Select((p, i) => (p, (IReadOnlyList<PeriodObservation>)series[i], 5 + (i % 3)))]);
        var x = together[3].NetworkFor(Synthetic.Start.Date).Parameters.ToArray();
        Assert.Equal(alone.NetworkFor(Synthetic.Start.Date).Parameters.ToArray(), x);
        Assert.Equal(alone.ToSnapshot(), together[3].ToSnapshot());
    }

    [Fact]
    public void Batch_training_learns_as_well_as_one_network_at_a_time()
    {
        var s = Synthetic.Diurnal(10);
        var train = NetworkModel.Observations(s, 0, 7 * 72);
        var test = NetworkModel.Observations(s, 7 * 72, 10 * 72);
        WorkloadPredictor Make() => new(new PredictorOptions(), DayCategorizer.WeekdayWeekend, 72);
        var scalar = Make();
        scalar.TrainBulk(train, 30);
        var batched = Make();
        NetworkBatchTrainer.Train([(batched, train, 30)]);
        double Mae(WorkloadPredictor p) => test.Average(o => Math.Abs(o.Workload - p.Predict(o.Date, o.Period, o.PreviousWorkload)!.Value));
        var last = test.Average(o => Math.Abs(o.Workload - o.PreviousWorkload));
        Assert.True(Mae(batched) < last, $"batched {Mae(batched):0.0000} vs last value {last:0.0000}");
        Assert.InRange(Mae(batched), 0, Mae(scalar) * 1.25);
    }

    [Fact]
    public void A_full_training_validates_on_held_out_periods_and_picks_a_model_that_beats_last_value_on_a_daily_cycle()
    {
        var s = Synthetic.Diurnal(14);
        var tree = TreeModel.Train([(Synthetic.Diurnal(14, seed: 9, phase: 1), 0, 14 * 72)], DayCategorizer.WeekdayWeekend);
        var result = TrainOne(s, null, full: true, tree, "v1");

        Assert.Equal("trained", result.Outcome);
        var bundle = result.Bundle!;
        Assert.Equal(s.PeriodAt(s.Count), bundle.WindowEnd);
        Assert.Equal("v1", bundle.TreeVersion);
        Assert.All(bundle.StepModels, m => Assert.NotEqual(ModelNames.LastValue, m));
        var chosen = bundle.Track(bundle.StepModels[2])!;
        Assert.True(chosen.Mae[2] < bundle.Track(ModelNames.LastValue)!.Mae[2]);
        Assert.Equal(5, bundle.Models.Length);
        Assert.Equal(216, bundle.Models[0].Residuals[0].Length);

        var restored = ForecastBundle.FromJson(bundle.ToJson());
        Assert.Equal(bundle.StepModels, restored.StepModels);
        var forecaster = new HostForecaster(restored, DayCategorizer.WeekdayWeekend, tree);
        var outcome = forecaster.Forecast(s, s.Count)!;
        var f = outcome.Forecast;
        Assert.Equal(3, f.Mean.Count);
        Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(f.Upper[k], f.Mean[k], 1));
        Assert.Equal(bundle.StepModels[0], f.Model);
        Assert.NotNull(outcome.PreviousError);
        Assert.True(f.RecentError < outcome.LastValueMae);
    }

    [Fact]
    public void On_a_random_walk_last_value_stays_selected()
    {
        var result = TrainOne(Synthetic.Walk(10), null, full: true);
        Assert.Equal(ModelNames.LastValue, result.Bundle!.StepModels[0]);
    }

    [Fact]
    public void An_incremental_update_warm_starts_the_network_and_appends_out_of_sample_residuals()
    {
        var full = Synthetic.Diurnal(12);
        var first = TrainOne(full.Prefix(11 * 72).Truncate(11 * 72), null, full: true).Bundle!;
        var history = full.Truncate((11 * 72) + 3);
        var update = TrainOne(history, first, full: false);

        Assert.Equal("updated", update.Outcome);
        var bundle = update.Bundle!;
        Assert.Equal("incremental", bundle.Kind);
        Assert.Equal(history.PeriodAt(history.Count), bundle.WindowEnd);
        var before = first.Track(ModelNames.LastValue)!.Residuals[0];
        var after = bundle.Track(ModelNames.LastValue)!.Residuals[0];
        Assert.Equal(before.Skip(3), after.Take(after.Length - 3));
        Assert.Equal(history[history.Count - 1] - history[history.Count - 2], after[^1], 12);
        // The network's residual for the newest period was made by the stored network, before it learned it.
        var stored = new NetworkModel(WorkloadPredictor.FromSnapshot(first.Network!, DayCategorizer.WeekdayWeekend));
        var f = new double[1];
        Assert.True(stored.TryForecast(history, history.Count - 1, f));
        Assert.Equal(history[history.Count - 1] - f[0], bundle.Track(ModelNames.Network)!.Residuals[0][^1], 12);
        Assert.NotEqual(first.Network, bundle.Network);

        Assert.Equal("unchanged: no new period", TrainOne(history, bundle, full: false).Outcome);
        Assert.Equal("trained", TrainOne(history, bundle, full: true).Outcome);
    }

    [Fact]
    public void A_full_training_with_a_recent_stored_network_continues_it_and_keeps_its_out_of_sample_residuals()
    {
        var full = Synthetic.Diurnal(12);
        var first = TrainOne(full.Truncate(11 * 72), null, full: true).Bundle!;
        var history = full.Truncate((11 * 72) + 3);
        var warm = TrainOne(history, first, full: true).Bundle!;

        Assert.Equal("full", warm.Kind);
        var before = first.Track(ModelNames.Network)!.Residuals[1];
        var after = warm.Track(ModelNames.Network)!.Residuals[1];
        Assert.Equal(before.Skip(3), after.Take(after.Length - 3));
        var cold = TrainOne(history, null, full: true).Bundle!;
        Assert.NotEqual(cold.Track(ModelNames.Network)!.Residuals[1].Take(100), after.Take(100));
        Assert.NotEqual(cold.Network, warm.Network);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var s = Synthetic.Diurnal(8);
        Assert.Equal(TrainOne(s, null, full: true).Bundle!.ToJson(), TrainOne(s, null, full: true).Bundle!.ToJson());
    }

    [Fact]
    public void Too_little_history_is_skipped_with_the_reason()
    {
        var result = TrainOne(Synthetic.Diurnal(1).Truncate(20), null, full: true);
        Assert.Null(result.Bundle);
        Assert.StartsWith("skipped: 19 observations", result.Outcome, StringComparison.Ordinal);
    }
}
