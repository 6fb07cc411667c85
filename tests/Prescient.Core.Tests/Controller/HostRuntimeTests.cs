using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Core.Tests.Network;

namespace Prescient.Core.Tests.Controller;

public class HostRuntimeTests
{
    private static readonly HostSettings Settings = HostSettings.Default with { ControllerMode = ControllerModeSetting.Autostart, AutostartWindow = 6 };

    private static WorkloadPredictor TrainedPredictor()
    {
        var predictor = WorkloadPredictor.Create(Settings, PeriodCalendar.Default, DayCategorizer.Default);
        predictor.TrainBulk(SyntheticWorkload.Days(SyntheticWorkload.FirstDay, 14, 0.01, seed: 11), epochs: 40);
        return predictor;
    }

    [Fact]
    public void A_trained_host_goes_proactive_and_offloads_before_the_measured_workload_crosses_high()
    {
        var runtime = new HostRuntime(PeriodCalendar.Default, TrainedPredictor());
        var day = SyntheticWorkload.Days(SyntheticWorkload.FirstDay.AddDays(14), 1, 0.01, seed: 12);
        var decisions = day.Select(o => (o, Decision: runtime.EndPeriod(new PeriodKey(o.Date, o.Period), o.Workload, Settings))).ToList();

        Assert.Contains(decisions, d => d.Decision.Transition == ModeTransition.Autostart);
        var firstOffload = decisions.First(d => d.Decision.Indication == Indication.Offload);
        Assert.Equal(ControllerMode.Proactive, firstOffload.Decision.ModeAfter);
        Assert.True(firstOffload.o.Workload <= 0.80, $"first offload when measured {firstOffload.o.Workload:0.###}");
        Assert.Equal(runtime.State.LastDecision, decisions[^1].Decision);
        Assert.Null(decisions[0].Decision.PredictionError); // nothing to compare with yet
        Assert.NotNull(decisions[1].Decision.PredictionError);
    }

    [Fact]
    public void Network_mode_settings_reach_the_predictor()
    {
        var runtime = new HostRuntime(PeriodCalendar.Default, TrainedPredictor());
        var day = SyntheticWorkload.FirstDay;
        var disabled = Settings with { NetworkMode = NetworkMode.Disabled };
        var decision = runtime.EndPeriod(new PeriodKey(day, 0), 0.3, disabled);
        Assert.Equal(NetworkMode.Disabled, runtime.Predictor.Mode);
        Assert.Null(decision.Predicted);
        runtime.EndPeriod(new PeriodKey(day, 1), 0.3, Settings with { NetworkMode = NetworkMode.PredictOnly });
        Assert.Equal(NetworkMode.PredictOnly, runtime.Predictor.Mode);
        Assert.NotNull(runtime.NextPrediction);
    }

    [Fact]
    public void Periods_must_move_forward()
    {
        var runtime = new HostRuntime(PeriodCalendar.Default, TrainedPredictor());
        runtime.EndPeriod(new PeriodKey(SyntheticWorkload.FirstDay, 5), 0.3, Settings);
        Assert.Throws<ArgumentException>(() => runtime.EndPeriod(new PeriodKey(SyntheticWorkload.FirstDay, 5), 0.3, Settings));
        Assert.Throws<ArgumentOutOfRangeException>(() => runtime.EndPeriod(new PeriodKey(SyntheticWorkload.FirstDay, 6), 1.3, Settings));
        Assert.Throws<ArgumentException>(() => new HostRuntime(new PeriodCalendar(TimeSpan.FromMinutes(30), TimeZoneInfo.Utc), TrainedPredictor()));
    }
}
