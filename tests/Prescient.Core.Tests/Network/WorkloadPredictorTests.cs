using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Network;

public class WorkloadPredictorTests
{
    private static WorkloadPredictor NewPredictor(PredictorOptions? options = null) =>
        new(options ?? PredictorOptions.Default, DayCategorizer.Default, 72);

    [Fact]
    public void Learns_a_diurnal_pattern_better_than_last_value()
    {
        var history = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 21, 0.04, seed: 1);
        var test = SyntheticWorkload.Days(SyntheticWorkload.FirstDay.AddDays(21), 7, 0.04, seed: 2);
        var predictor = NewPredictor();
        predictor.TrainBulk(history, epochs: 60);

        double network = 0, lastValue = 0;
        foreach (var o in test)
        {
            network += Math.Abs(o.Workload - predictor.Predict(o.Date, o.Period, o.PreviousWorkload)!.Value);
            lastValue += Math.Abs(o.Workload - o.PreviousWorkload);
        }

        network /= test.Count;
        lastValue /= test.Count;
        Assert.True(network < lastValue * 0.9, $"network MAE {network:0.0000}, last value {lastValue:0.0000}");
    }

    [Fact]
    public void Bulk_training_is_deterministic_for_a_seed()
    {
        var history = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 3, 0.04, seed: 1);
        var a = NewPredictor();
        var b = NewPredictor();
        var c = NewPredictor(PredictorOptions.Default with { Network = NetworkOptions.Default with { Seed = 9 } });
        a.TrainBulk(history, 3);
        b.TrainBulk(history, 3);
        c.TrainBulk(history, 3);
        var monday = SyntheticWorkload.FirstDay;
        Assert.True(a.NetworkFor(monday).Parameters.SequenceEqual(b.NetworkFor(monday).Parameters));
        Assert.False(a.NetworkFor(monday).Parameters.SequenceEqual(c.NetworkFor(monday).Parameters));
        Assert.Equal(a.ToSnapshot(), b.ToSnapshot());
    }

    [Fact]
    public void Online_observation_learns_and_tracks_rolling_mae()
    {
        var predictor = NewPredictor(PredictorOptions.Default with { AccuracyWindow = 4 });
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 2, 0.02, seed: 3);
        Assert.Null(predictor.RollingMae);
        var errors = new List<double>();
        foreach (var o in data)
        {
            var result = predictor.Observe(o);
            Assert.True(result.Trained);
            errors.Add(result.AbsoluteError!.Value);
            Assert.Equal(Math.Abs(o.Workload - result.Predicted!.Value), result.AbsoluteError!.Value, 12);
        }

        Assert.True(predictor.HasFullAccuracyWindow);
        Assert.Equal(errors.TakeLast(4).Average(), predictor.RollingMae!.Value, 12);
        Assert.Equal(data.Count, predictor.TrainingPeriods);
        Assert.Equal(data.Count, predictor.NetworkFor(SyntheticWorkload.FirstDay).Steps);
    }

    [Fact]
    public void Predict_only_leaves_weights_unchanged_but_tracks_accuracy()
    {
        var predictor = NewPredictor();
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 1, 0.04, seed: 4);
        predictor.TrainBulk(data, 2);
        predictor.SetMode(NetworkMode.PredictOnly);
        var before = predictor.NetworkFor(SyntheticWorkload.FirstDay).Parameters.ToArray();
        foreach (var o in data)
        {
            var result = predictor.Observe(o);
            Assert.False(result.Trained);
            Assert.NotNull(result.Predicted);
        }

        Assert.Equal(before, predictor.NetworkFor(SyntheticWorkload.FirstDay).Parameters.ToArray());
        Assert.NotNull(predictor.RollingMae);
        Assert.Equal(0, predictor.TrainingPeriods);
        Assert.Throws<InvalidOperationException>(() => predictor.TrainBulk(data, 1));
    }

    [Fact]
    public void Disabled_mode_predicts_nothing()
    {
        var predictor = NewPredictor(PredictorOptions.Default with { Mode = NetworkMode.Disabled });
        Assert.True(predictor.IsDisabled);
        Assert.Null(predictor.Predict(SyntheticWorkload.FirstDay, 10, 0.5));
        Assert.Equal(new ObservationResult(null, null, false), predictor.Observe(new PeriodObservation(SyntheticWorkload.FirstDay, 10, 0.5, 0.5)));
        predictor.SetMode(NetworkMode.Training);
        Assert.NotNull(predictor.Predict(SyntheticWorkload.FirstDay, 10, 0.5));
    }

    [Fact]
    public void A_network_that_does_not_converge_is_disabled_at_the_deadline()
    {
        var options = PredictorOptions.Default with { TrainingDeadlinePeriods = 20, ConvergenceThreshold = 1e-6, AccuracyWindow = 3 };
        var predictor = NewPredictor(options);
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 1, 0.1, seed: 5);
        for (var i = 0; i < 19; i++)
        {
            predictor.Observe(data[i]);
        }

        Assert.False(predictor.IsDisabled);
        predictor.Observe(data[19]);
        Assert.True(predictor.DisabledByDeadline);
        Assert.Null(predictor.Predict(data[20].Date, data[20].Period, data[20].PreviousWorkload));

        predictor.SetMode(NetworkMode.Training); // the user restarts training
        Assert.False(predictor.IsDisabled);
        Assert.Equal(0, predictor.TrainingPeriods);
    }

    [Fact]
    public void Keep_training_or_convergence_avoids_the_deadline()
    {
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 1, 0.1, seed: 5);
        var keep = NewPredictor(PredictorOptions.Default with { TrainingDeadlinePeriods = 5, ConvergenceThreshold = 1e-6, KeepTrainingAfterDeadline = true });
        var converged = NewPredictor(PredictorOptions.Default with { TrainingDeadlinePeriods = 5, ConvergenceThreshold = 1, AccuracyWindow = 2 });
        foreach (var o in data)
        {
            keep.Observe(o);
            converged.Observe(o);
        }

        Assert.False(keep.IsDisabled);
        Assert.False(keep.Converged);
        Assert.False(converged.IsDisabled);
        Assert.True(converged.Converged);
    }

    [Fact]
    public void One_network_per_day_category()
    {
        var predictor = NewPredictor(PredictorOptions.Default with { NetworkPerDayCategory = true });
        Assert.Equal(2, predictor.NetworkCount);
        var saturday = SyntheticWorkload.FirstDay.AddDays(5);
        var weekendBefore = predictor.NetworkFor(saturday).Parameters.ToArray();
        var weekdays = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 5, 0.02, seed: 6);
        predictor.TrainBulk(weekdays, 2);
        Assert.Equal(weekendBefore, predictor.NetworkFor(saturday).Parameters.ToArray());
        Assert.NotSame(predictor.NetworkFor(saturday), predictor.NetworkFor(SyntheticWorkload.FirstDay));
        Assert.Equal(5 * 72 * 2, predictor.NetworkFor(SyntheticWorkload.FirstDay).Steps);
    }

    [Fact]
    public void Snapshot_round_trips_exactly_and_training_continues_identically()
    {
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 2, 0.04, seed: 7);
        var original = NewPredictor(PredictorOptions.Default with { NetworkPerDayCategory = true, AccuracyWindow = 5 });
        original.TrainBulk(data, 2);
        foreach (var o in data.Take(30))
        {
            original.Observe(o);
        }

        var bytes = original.ToSnapshot();
        var restored = WorkloadPredictor.FromSnapshot(bytes, DayCategorizer.Default);
        Assert.Equal(bytes, restored.ToSnapshot());
        Assert.Equal(original.RollingMae, restored.RollingMae);

        original.TrainBulk(data, 1);
        restored.TrainBulk(data, 1);
        foreach (var o in data.Skip(30))
        {
            Assert.Equal(original.Observe(o), restored.Observe(o));
        }

        Assert.Equal(original.ToSnapshot(), restored.ToSnapshot());
        foreach (var o in data)
        {
            Assert.Equal(original.Predict(o.Date, o.Period, o.PreviousWorkload), restored.Predict(o.Date, o.Period, o.PreviousWorkload));
        }
    }

    [Fact]
    public void A_clone_is_independent_and_identical()
    {
        var data = SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 1, 0.04, seed: 8);
        var original = NewPredictor();
        original.TrainBulk(data, 1);
        foreach (var o in data.Take(10))
        {
            original.Observe(o);
        }

        var clone = original.Clone();
        Assert.Equal(original.ToSnapshot(), clone.ToSnapshot());
        clone.TrainBulk(data, 1);
        Assert.NotEqual(original.ToSnapshot(), clone.ToSnapshot());
        original.TrainBulk(data, 1);
        Assert.Equal(original.ToSnapshot(), clone.ToSnapshot());
    }

    [Fact]
    public void Snapshot_errors_are_clear()
    {
        var bytes = NewPredictor().ToSnapshot();
        var error = Assert.Throws<FormatException>(() => WorkloadPredictor.FromSnapshot(bytes, DayCategorizer.DaysOfWeek));
        Assert.Contains("Retrain", error.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => WorkloadPredictor.FromSnapshot("{\"formatVersion\":99}"u8, DayCategorizer.Default));
        Assert.Throws<FormatException>(() => WorkloadPredictor.FromSnapshot("not json"u8, DayCategorizer.Default));
        var text = System.Text.Encoding.UTF8.GetString(bytes).Replace("\"formatVersion\":1", "\"formatVersion\":2", StringComparison.Ordinal);
        Assert.Contains("version 2", Assert.Throws<FormatException>(() => WorkloadPredictor.FromSnapshot(System.Text.Encoding.UTF8.GetBytes(text), DayCategorizer.Default)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_are_validated()
    {
        var predictor = NewPredictor();
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(SyntheticWorkload.FirstDay, 72, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict(SyntheticWorkload.FirstDay, 0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Observe(new PeriodObservation(SyntheticWorkload.FirstDay, 0, 0.5, 1.5)));
    }

    [Fact]
    public void Options_come_from_host_settings()
    {
        var settings = HostSettings.Default with { TrainingDeadline = TimeSpan.FromDays(2), AutostartWindow = 9, NetworkPerDayCategory = true, NetworkMode = NetworkMode.PredictOnly };
        var predictor = WorkloadPredictor.Create(settings, PeriodCalendar.Default, DayCategorizer.Default);
        Assert.Equal(144, predictor.Options.TrainingDeadlinePeriods);
        Assert.Equal(9, predictor.Options.AccuracyWindow);
        Assert.Equal(NetworkMode.PredictOnly, predictor.Mode);
        Assert.Equal(2, predictor.NetworkCount);
    }

    [Fact]
    public void Series_become_observations_paired_with_the_last_measured_period()
    {
        var day = SyntheticWorkload.FirstDay;
        var observations = PeriodObservation.FromSeries([(new PeriodKey(day, 3), 0.3), (new PeriodKey(day, 1), 0.1), (new PeriodKey(day, 2), 0.2)]);
        Assert.Equal([new PeriodObservation(day, 2, 0.1, 0.2), new PeriodObservation(day, 3, 0.2, 0.3)], observations);
        Assert.Throws<ArgumentException>(() => PeriodObservation.FromSeries([(new PeriodKey(day, 1), 0.1), (new PeriodKey(day, 1), 0.2)]));
    }
}
