using Prescient.Core.Controller;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Controller;

public class HostControllerTests
{
    private static readonly HostSettings Autostart = HostSettings.Default with
    {
        ControllerMode = ControllerModeSetting.Autostart,
        AutostartWindow = 3,
        AutostartAccuracyThreshold = 0.05,
        ReactiveRange = new(0.15, 0.80),
        ProactiveRange = new(0.20, 0.75),
        FailsafeRange = new(0.05, 0.95),
    };

    private static readonly HostSettings Reactive = Autostart with { ControllerMode = ControllerModeSetting.Reactive };
    private static readonly HostSettings Proactive = Autostart with { ControllerMode = ControllerModeSetting.Proactive };

    private static (Decision Decision, ControllerState State) Run(ControllerState state, HostSettings settings, double measured, double? predicted, double? error = 0.01) =>
        HostController.Evaluate(state, new ControllerInput(measured, predicted, error), settings);

    /// <summary>A state already in proactive mode under autostart.</summary>
    private static ControllerState ProactiveState()
    {
        var state = ControllerState.Initial;
        for (var i = 0; i < 3; i++)
        {
            state = Run(state, Autostart, 0.5, 0.5).State;
        }

        Assert.Equal(ControllerMode.Proactive, state.Mode);
        return state;
    }

    [Theory]
    [InlineData(0.85, Indication.Offload)]
    [InlineData(0.80, Indication.None)]
    [InlineData(0.50, Indication.None)]
    [InlineData(0.15, Indication.None)]
    [InlineData(0.10, Indication.ReducePower)]
    public void Reactive_compares_the_measured_workload_with_the_reactive_range(double measured, Indication expected)
    {
        // The prediction says the opposite; reactive ignores it.
        var (decision, state) = Run(ControllerState.Initial, Reactive, measured, predicted: 1 - measured);
        Assert.Equal(expected, decision.Indication);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(measured, decision.ComparedWorkload);
        Assert.Equal(Reactive.ReactiveRange, decision.Range);
        Assert.Equal(ModeTransition.None, decision.Transition);
        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Theory]
    [InlineData(0.76, Indication.Offload)]
    [InlineData(0.75, Indication.None)]
    [InlineData(0.20, Indication.None)]
    [InlineData(0.19, Indication.ReducePower)]
    public void Proactive_compares_the_predicted_workload_with_the_proactive_range(double predicted, Indication expected)
    {
        // The patent's comparison alone: the forecast, whatever the measured workload.
        var (decision, state) = Run(ProactiveState(), Autostart with { ProactiveChecksMeasured = false }, measured: 0.5, predicted);
        Assert.Equal(expected, decision.Indication);
        Assert.Equal(ControllerMode.Proactive, decision.ModeBefore);
        Assert.Equal(ControllerMode.Proactive, decision.ModeAfter);
        Assert.Equal(predicted, decision.ComparedWorkload);
        Assert.Equal(Autostart.ProactiveRange, decision.Range);
        Assert.Equal(ControllerMode.Proactive, state.Mode);
    }

    [Fact]
    public void Proactive_offloads_before_the_measured_workload_is_high()
    {
        var (decision, _) = Run(ProactiveState(), Autostart, measured: 0.6, predicted: 0.85);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Contains("predicted 0.85 is above the proactive range [0.2, 0.75]", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Proactive_offloads_a_measured_overload_the_forecast_misses()
    {
        var (decision, _) = Run(ProactiveState(), Autostart, measured: 0.86, predicted: 0.7);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Equal(0.86, decision.ComparedWorkload);
        Assert.Contains("measured 0.86 is above the proactive range [0.2, 0.75]", decision.Reason, StringComparison.Ordinal);

        var (patent, _) = Run(ProactiveState(), Autostart with { ProactiveChecksMeasured = false }, measured: 0.86, predicted: 0.7);
        Assert.Equal(Indication.None, patent.Indication);
    }

    [Fact]
    public void Proactive_reduces_power_only_when_the_measured_workload_is_low_too()
    {
        Assert.Equal(Indication.None, Run(ProactiveState(), Autostart, measured: 0.5, predicted: 0.1).Decision.Indication);
        var (decision, _) = Run(ProactiveState(), Autostart, measured: 0.12, predicted: 0.1);
        Assert.Equal(Indication.ReducePower, decision.Indication);
        Assert.Equal(0.12, decision.ComparedWorkload);
    }

    [Fact]
    public void Proactive_offloads_on_the_upper_forecast()
    {
        var input = new ControllerInput(0.5, 0.7, null) { PredictedUpper = 0.8 };
        var (decision, _) = HostController.Evaluate(ProactiveState(), input, Autostart);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Equal(0.8, decision.ComparedWorkload);
        Assert.Equal(0.8, decision.PredictedUpper);
        Assert.Contains("upper forecast 0.8 is above the proactive range", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Autostart_switches_to_proactive_after_N_accurate_periods()
    {
        var state = ControllerState.Initial;
        for (var i = 1; i <= 2; i++)
        {
            (var d, state) = Run(state, Autostart, 0.5, 0.9, error: 0.01);
            Assert.Equal(ControllerMode.Reactive, d.ModeAfter);
            Assert.Equal(Indication.None, d.Indication); // reactive: measured 0.5 is fine
            Assert.Equal(i, d.RecentErrorCount);
        }

        var (decision, next) = Run(state, Autostart, 0.5, 0.9, error: 0.02);
        Assert.Equal(ModeTransition.Autostart, decision.Transition);
        Assert.Equal(ControllerMode.Reactive, decision.ModeBefore);
        Assert.Equal(ControllerMode.Proactive, decision.ModeAfter);
        Assert.Equal(Indication.Offload, decision.Indication); // now judged on the prediction
        Assert.Equal(0.04 / 3, decision.RecentMeanError!.Value, 12);
        Assert.Contains("Autostart", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(ControllerMode.Proactive, next.Mode);
    }

    [Fact]
    public void Autostart_waits_while_the_recent_error_is_at_or_above_the_threshold()
    {
        var state = ControllerState.Initial;
        for (var i = 0; i < 10; i++)
        {
            state = Run(state, Autostart, 0.5, 0.5, error: 0.05).State;
        }

        Assert.Equal(ControllerMode.Reactive, state.Mode);
        Assert.Equal(3, state.RecentErrors.Count);

        // The window slides: three good periods in a row are enough.
        for (var i = 0; i < 3; i++)
        {
            state = Run(state, Autostart, 0.5, 0.5, error: 0.0).State;
        }

        Assert.Equal(ControllerMode.Proactive, state.Mode);
    }

    [Fact]
    public void A_period_without_a_prediction_restarts_the_autostart_window()
    {
        var state = ControllerState.Initial;
        state = Run(state, Autostart, 0.5, 0.5).State;
        state = Run(state, Autostart, 0.5, 0.5).State;
        state = Run(state, Autostart, 0.5, null, error: null).State;
        Assert.Empty(state.RecentErrors);
        state = Run(state, Autostart, 0.5, 0.5).State;
        state = Run(state, Autostart, 0.5, 0.5).State;
        Assert.Equal(ControllerMode.Reactive, state.Mode);
        state = Run(state, Autostart, 0.5, 0.5).State;
        Assert.Equal(ControllerMode.Proactive, state.Mode);
    }

    [Fact]
    public void Autostart_needs_the_autostart_setting()
    {
        var state = ControllerState.Initial;
        for (var i = 0; i < 5; i++)
        {
            state = Run(state, Reactive, 0.5, 0.5, error: 0).State;
        }

        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Fact]
    public void Autostart_does_not_switch_when_the_measured_workload_is_outside_the_failsafe_range()
    {
        var state = ControllerState.Initial;
        state = Run(state, Autostart, 0.5, 0.5).State;
        state = Run(state, Autostart, 0.5, 0.5).State;
        var (decision, next) = Run(state, Autostart, 0.97, 0.5);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Equal(ControllerMode.Proactive, Run(next, Autostart, 0.5, 0.5).State.Mode);
    }

    [Fact]
    public void Autostart_does_not_switch_when_the_network_is_disabled()
    {
        var disabled = Autostart with { NetworkMode = NetworkMode.Disabled };
        var state = ControllerState.Initial;
        for (var i = 0; i < 5; i++)
        {
            state = Run(state, disabled, 0.5, 0.5, error: 0).State;
        }

        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Theory]
    [InlineData(0.96, Indication.Offload)]
    [InlineData(0.04, Indication.ReducePower)]
    public void Failsafe_switches_to_reactive_at_once_and_judges_the_measured_workload(double measured, Indication expected)
    {
        // The prediction was wrong: it says everything is fine.
        var (decision, state) = Run(ProactiveState(), Autostart, measured, predicted: 0.5, error: 0.4);
        Assert.Equal(ModeTransition.Failsafe, decision.Transition);
        Assert.Equal(ControllerMode.Proactive, decision.ModeBefore);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(expected, decision.Indication);
        Assert.Equal(measured, decision.ComparedWorkload);
        Assert.Equal(Autostart.ReactiveRange, decision.Range);
        Assert.Contains("Failsafe", decision.Reason, StringComparison.Ordinal);
        Assert.Empty(state.RecentErrors);
        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Fact]
    public void Measured_at_the_failsafe_bounds_stays_proactive()
    {
        Assert.Equal(ControllerMode.Proactive, Run(ProactiveState(), Autostart, 0.95, 0.5).State.Mode);
        Assert.Equal(ControllerMode.Proactive, Run(ProactiveState(), Autostart, 0.05, 0.5).State.Mode);
    }

    [Fact]
    public void After_failsafe_autostart_needs_N_fresh_accurate_periods()
    {
        var state = Run(ProactiveState(), Autostart, 0.99, 0.5, error: 0.0).State;
        state = Run(state, Autostart, 0.5, 0.5, error: 0.0).State;
        state = Run(state, Autostart, 0.5, 0.5, error: 0.0).State;
        Assert.Equal(ControllerMode.Reactive, state.Mode);
        state = Run(state, Autostart, 0.5, 0.5, error: 0.0).State;
        Assert.Equal(ControllerMode.Proactive, state.Mode);
    }

    [Fact]
    public void Proactive_setting_enters_proactive_as_soon_as_a_prediction_exists()
    {
        var (waiting, state) = Run(ControllerState.Initial, Proactive, 0.5, null, null);
        Assert.Equal(ControllerMode.Reactive, waiting.ModeAfter);
        var (decision, next) = Run(state, Proactive, 0.5, 0.9, null);
        Assert.Equal(ModeTransition.Command, decision.Transition);
        Assert.Equal(ControllerMode.Proactive, decision.ModeAfter);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Equal(ControllerMode.Proactive, next.Mode);
    }

    [Fact]
    public void Proactive_setting_waits_while_the_measured_workload_is_outside_the_failsafe_range()
    {
        var (decision, state) = Run(ControllerState.Initial, Proactive, 0.99, 0.5);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(ModeTransition.None, decision.Transition);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Equal(ControllerMode.Proactive, Run(state, Proactive, 0.5, 0.5).State.Mode);
    }

    [Fact]
    public void Every_transition_is_explained()
    {
        Assert.StartsWith("Controller mode setting 'Proactive'", Run(ControllerState.Initial, Proactive, 0.5, 0.5).Decision.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Controller mode setting 'Reactive'", Run(ProactiveState(), Reactive, 0.5, 0.5).Decision.Reason, StringComparison.Ordinal);
        Assert.StartsWith("No prediction is available", Run(ProactiveState(), Autostart, 0.5, null, null).Decision.Reason, StringComparison.Ordinal);
        Assert.StartsWith("The network is disabled", Run(ProactiveState(), Autostart with { NetworkMode = NetworkMode.Disabled }, 0.5, 0.5).Decision.Reason, StringComparison.Ordinal);
        Assert.Equal(
            "Failsafe: measured 0.99 is outside the failsafe range [0.05, 0.95]: switched to reactive. " +
            "Reactive: measured 0.99 is above the reactive range [0.15, 0.8]: offload (migrate at least one VM away).",
            Run(ProactiveState(), Autostart, 0.99, 0.5).Decision.Reason);
        var state = Run(Run(ControllerState.Initial, Autostart, 0.5, 0.5).State, Autostart, 0.5, 0.5).State;
        Assert.Equal(
            "Autostart: mean prediction error 0.01 over the last 3 periods is below the autostart accuracy threshold 0.05: " +
            "switched to proactive. Proactive: predicted 0.1 is below the proactive range [0.2, 0.75]: reduce power (migrate every VM away, then power down).",
            Run(state, Autostart, 0.1, 0.1).Decision.Reason);
    }

    [Fact]
    public void Proactive_setting_stays_reactive_after_failsafe_until_the_command_is_issued_again()
    {
        var state = Run(ControllerState.Initial, Proactive, 0.5, 0.5).State;
        var (failsafe, latched) = Run(state, Proactive, 0.99, 0.5);
        Assert.Equal(ModeTransition.Failsafe, failsafe.Transition);
        Assert.True(latched.FailsafeLatched);
        for (var i = 0; i < 5; i++)
        {
            latched = Run(latched, Proactive, 0.5, 0.5, error: 0).State;
            Assert.Equal(ControllerMode.Reactive, latched.Mode);
        }

        // Re-issuing the command: clear the applied setting.
        var (again, resumed) = Run(latched with { AppliedSetting = null }, Proactive, 0.5, 0.5);
        Assert.Equal(ModeTransition.Command, again.Transition);
        Assert.Equal(ControllerMode.Proactive, resumed.Mode);
        Assert.False(resumed.FailsafeLatched);
    }

    [Fact]
    public void Reactive_setting_ends_proactive_mode()
    {
        var (decision, state) = Run(ProactiveState(), Reactive, 0.5, 0.9);
        Assert.Equal(ModeTransition.Command, decision.Transition);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(Indication.None, decision.Indication);
        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Fact]
    public void A_disabled_network_forces_reactive()
    {
        var (decision, state) = Run(ProactiveState(), Autostart with { NetworkMode = NetworkMode.Disabled }, 0.85, 0.5);
        Assert.Equal(ModeTransition.NetworkUnavailable, decision.Transition);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
        Assert.Equal(Indication.Offload, decision.Indication);
        Assert.Contains("disabled", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(ControllerMode.Reactive, state.Mode);
    }

    [Fact]
    public void A_missing_prediction_forces_reactive()
    {
        var (decision, _) = Run(ProactiveState(), Autostart, 0.5, null, null);
        Assert.Equal(ModeTransition.NetworkUnavailable, decision.Transition);
        Assert.Equal(ControllerMode.Reactive, decision.ModeAfter);
    }

    [Fact]
    public void Predict_only_keeps_proactive_possible()
    {
        var predictOnly = Autostart with { NetworkMode = NetworkMode.PredictOnly };
        var state = ControllerState.Initial;
        for (var i = 0; i < 3; i++)
        {
            state = Run(state, predictOnly, 0.5, 0.5).State;
        }

        Assert.Equal(ControllerMode.Proactive, state.Mode);
        Assert.Equal(ControllerMode.Proactive, Run(state, predictOnly, 0.5, 0.5).State.Mode);
    }

    [Fact]
    public void A_host_restarts_in_its_last_mode()
    {
        var state = ProactiveState();
        var restored = ControllerState.FromJson(state.ToJson());
        Assert.Equal(ControllerMode.Proactive, restored.Mode);
        Assert.Equal(state.RecentErrors, restored.RecentErrors);
        Assert.Equal(state.AppliedSetting, restored.AppliedSetting);
        Assert.Equal(state.LastDecision!.Reason, restored.LastDecision!.Reason);
        var (decision, _) = Run(restored, Autostart, 0.5, 0.9);
        Assert.Equal(ControllerMode.Proactive, decision.ModeBefore);
        Assert.Equal(ModeTransition.None, decision.Transition);
        Assert.Equal(Indication.Offload, decision.Indication);

        var latched = Run(Run(ControllerState.Initial, Proactive, 0.5, 0.5).State, Proactive, 0.99, 0.5).State;
        Assert.True(ControllerState.FromJson(latched.ToJson()).FailsafeLatched);
        Assert.Throws<FormatException>(() => ControllerState.FromJson("[1,2]"u8));
    }

    [Fact]
    public void A_decision_explains_itself()
    {
        var (decision, state) = Run(ControllerState.Initial, Reactive, 0.9, 0.7, error: 0.03);
        Assert.Equal(0.9, decision.Measured);
        Assert.Equal(0.7, decision.Predicted);
        Assert.Equal(0.03, decision.PredictionError);
        Assert.Equal(Reactive.FailsafeRange, decision.FailsafeRange);
        Assert.Equal(0.05, decision.AutostartAccuracyThreshold);
        Assert.Equal(3, decision.AutostartWindow);
        Assert.Equal(ControllerModeSetting.Reactive, decision.ModeSetting);
        Assert.Equal("Reactive: measured 0.9 is above the reactive range [0.15, 0.8]: offload (migrate at least one VM away).", decision.Reason);
        Assert.Same(decision, state.LastDecision);
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(ControllerState.Initial, Autostart, double.NaN, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(ControllerState.Initial, Autostart, 0.5, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(ControllerState.Initial, Autostart, 0.5, 0.5, double.PositiveInfinity));
    }
}
