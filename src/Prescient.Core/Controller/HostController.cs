using Prescient.Core.Settings;
using Prescient.Core.Workload;

namespace Prescient.Core.Controller;

/// <summary>
/// The per-host workload controller of the patent: a pure function from (state, input, settings) to a decision and
/// the next state.
/// </summary>
/// <remarks>
/// Order of an evaluation:
/// <list type="number">
/// <item>The prediction error of the period just measured joins the recent errors (a period without one clears them:
/// autostart needs N consecutive measured predictions).</item>
/// <item>The controller mode setting: "reactive" keeps the host reactive; "proactive" makes it proactive whenever a
/// prediction is available, unless the failsafe has tripped since the setting was last applied (the failsafe latch;
/// changing the setting, or clearing <see cref="ControllerState.AppliedSetting"/>, re-issues the command);
/// "autostart" leaves the mode to autostart and failsafe. Like autostart, the proactive command waits while the
/// measured workload is outside the failsafe range.</item>
/// <item>Proactive without a prediction (network disabled or none given) falls back to reactive.</item>
/// <item>Failsafe: proactive and the measured workload outside the failsafe range: reactive at once; the recent
/// errors are cleared (autostart needs N fresh accurate periods) and the latch is set.</item>
/// <item>Autostart: reactive, the setting is autostart, a prediction exists, N recent errors with a mean below the
/// threshold, and the measured workload inside the failsafe range: proactive.</item>
/// <item>The mode's comparison: reactive compares the measured workload with the reactive range, proactive the
/// predicted workload with the proactive range. Above high: offload; below low: reduce power.</item>
/// </list>
/// Settings are assumed valid (resolve them through <see cref="SettingsDocument.ResolveHost"/> or
/// <see cref="HostSettings.EnsureValid"/>).
/// </remarks>
public static class HostController
{
    /// <summary>Evaluates one host once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input is NaN, infinite or outside [0, 1].</exception>
    public static (Decision Decision, ControllerState State) Evaluate(ControllerState state, ControllerInput input, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        var measured = Utilisation.Validate(input.Measured, nameof(input.Measured));
        var predicted = input.Predicted is { } p ? Utilisation.Validate(p, nameof(input.Predicted)) : (double?)null;
        var error = input.PredictionError is { } e ? Utilisation.Validate(e, nameof(input.PredictionError)) : (double?)null;

        var window = settings.AutostartWindow;
        var errors = NextErrors(state.RecentErrors, error, window);
        var modeBefore = state.Mode;
        var mode = state.Mode;
        var transition = ModeTransition.None;

        var networkAvailable = settings.NetworkMode != NetworkMode.Disabled && predicted is not null;

        // 1. The user's setting. A change is a command and clears the failsafe latch.
        var latched = state.FailsafeLatched && settings.ControllerMode == state.AppliedSetting;
        if (settings.ControllerMode == ControllerModeSetting.Reactive && mode != ControllerMode.Reactive)
        {
            mode = ControllerMode.Reactive;
            transition = ModeTransition.Command;
        }
        else if (settings.ControllerMode == ControllerModeSetting.Proactive && mode == ControllerMode.Reactive && !latched &&
                 networkAvailable && settings.FailsafeRange.Contains(measured))
        {
            mode = ControllerMode.Proactive;
            transition = ModeTransition.Command;
        }

        // 2. Proactive needs a prediction.
        if (mode == ControllerMode.Proactive && !networkAvailable)
        {
            mode = ControllerMode.Reactive;
            transition = ModeTransition.NetworkUnavailable;
        }

        // 3. Failsafe.
        if (mode == ControllerMode.Proactive && !settings.FailsafeRange.Contains(measured))
        {
            mode = ControllerMode.Reactive;
            transition = ModeTransition.Failsafe;
            errors = [];
            latched = true;
        }

        // 4. Autostart.
        double? recentMean = errors.Count == 0 ? null : errors.Average();
        if (mode == ControllerMode.Reactive && transition == ModeTransition.None &&
            settings.ControllerMode == ControllerModeSetting.Autostart && networkAvailable &&
            errors.Count >= window && recentMean < settings.AutostartAccuracyThreshold &&
            settings.FailsafeRange.Contains(measured))
        {
            mode = ControllerMode.Proactive;
            transition = ModeTransition.Autostart;
        }

        // 5. The mode's comparison. Proactive: the upper forecast against high (offload) and the mean against low
        //    (reduce power); with ProactiveChecksMeasured the measured workload too, so a forecast can make the host
        //    act earlier, never later.
        double compared;
        WorkloadRange range;
        Indication indication;
        var upper = input.PredictedUpper is { } u ? Math.Max(Utilisation.Validate(u, nameof(input.PredictedUpper)), predicted ?? 0) : predicted;
        var checksMeasured = mode == ControllerMode.Proactive && settings.ProactiveChecksMeasured;
        if (mode == ControllerMode.Proactive)
        {
            range = settings.ProactiveRange;
            var high = checksMeasured ? Math.Max(upper!.Value, measured) : upper!.Value;
            var low = checksMeasured ? Math.Max(predicted!.Value, measured) : predicted!.Value;
            (compared, indication) = high > range.High ? (high, Indication.Offload)
                : low < range.Low ? (low, Indication.ReducePower)
                : (predicted!.Value, Indication.None);
        }
        else
        {
            range = settings.ReactiveRange;
            compared = measured;
            indication = compared > range.High ? Indication.Offload
                : compared < range.Low ? Indication.ReducePower
                : Indication.None;
        }

        var decision = new Decision(
            input.At, measured, predicted, error, recentMean, errors.Count, settings.ControllerMode, settings.NetworkMode,
            modeBefore, mode, transition, compared, range, settings.FailsafeRange, settings.AutostartAccuracyThreshold,
            window, indication)
        {
            PredictedUpper = input.PredictedUpper is null ? null : upper,
            ChecksMeasured = checksMeasured,
        };
        return (decision, new ControllerState(mode, errors, settings.ControllerMode, decision) { FailsafeLatched = latched });
    }

    private static IReadOnlyList<double> NextErrors(IReadOnlyList<double> previous, double? error, int window)
    {
        if (error is not { } value)
        {
            return [];
        }

        var keep = Math.Min(previous.Count, window - 1);
        var next = new double[keep + 1];
        for (var i = 0; i < keep; i++)
        {
            next[i] = previous[previous.Count - keep + i];
        }

        next[keep] = value;
        return next;
    }
}
