using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Prescient.Core.Settings;

namespace Prescient.Core.Controller;

/// <summary>
/// One controller decision, explaining itself: the inputs, the thresholds it used, the mode before and after, the
/// indication and a human-readable reason.
/// </summary>
/// <param name="At">When the evaluation happened, if given.</param>
/// <param name="Measured">The measured workload.</param>
/// <param name="Predicted">The predicted workload of the current period, if any.</param>
/// <param name="PredictionError">The prediction error of the period just measured, if any.</param>
/// <param name="RecentMeanError">Mean prediction error over <paramref name="RecentErrorCount"/> recent periods (autostart's measure), if any.</param>
/// <param name="RecentErrorCount">Number of recent periods the mean covers.</param>
/// <param name="ModeSetting">The controller mode setting in force.</param>
/// <param name="NetworkMode">The network mode setting in force.</param>
/// <param name="ModeBefore">The mode before the evaluation.</param>
/// <param name="ModeAfter">The mode after the evaluation (the one whose comparison produced the indication).</param>
/// <param name="Transition">Why the mode changed, if it did.</param>
/// <param name="ComparedWorkload">The workload compared with <paramref name="Range"/>: measured when reactive, predicted when proactive.</param>
/// <param name="Range">The operating range used: reactive or proactive.</param>
/// <param name="FailsafeRange">The failsafe range in force.</param>
/// <param name="AutostartAccuracyThreshold">The autostart threshold in force.</param>
/// <param name="AutostartWindow">The number of periods autostart needs.</param>
/// <param name="Indication">The outcome.</param>
public sealed record Decision(
    DateTimeOffset? At,
    double Measured,
    double? Predicted,
    double? PredictionError,
    double? RecentMeanError,
    int RecentErrorCount,
    ControllerModeSetting ModeSetting,
    NetworkMode NetworkMode,
    ControllerMode ModeBefore,
    ControllerMode ModeAfter,
    ModeTransition Transition,
    double ComparedWorkload,
    WorkloadRange Range,
    WorkloadRange FailsafeRange,
    double AutostartAccuracyThreshold,
    int AutostartWindow,
    Indication Indication)
{
    /// <summary>The upper forecast the proactive comparison used for offloads, when one was given.</summary>
    public double? PredictedUpper { get; init; }

    /// <summary>
    /// True when the proactive comparison also looked at the measured workload (<see cref="HostSettings.ProactiveChecksMeasured"/>):
    /// offload when either is above the high threshold, reduce power only when both are below the low one.
    /// </summary>
    public bool ChecksMeasured { get; init; }

    /// <summary>Why, in words: the mode change (if any) and the comparison, with the numbers and thresholds used. Built on demand.</summary>
    public string Reason
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            var change = Transition switch
            {
                ModeTransition.Command when ModeAfter == ControllerMode.Reactive => "Controller mode setting 'Reactive': switched to reactive. ",
                ModeTransition.Command => "Controller mode setting 'Proactive' and a prediction is available: switched to proactive. ",
                ModeTransition.NetworkUnavailable when NetworkMode == NetworkMode.Disabled => "The network is disabled: switched to reactive. ",
                ModeTransition.NetworkUnavailable => "No prediction is available: switched to reactive. ",
                ModeTransition.Failsafe => string.Create(c,
                    $"Failsafe: measured {F(Measured)} is outside the failsafe range {FailsafeRange}: switched to reactive. "),
                ModeTransition.Autostart => string.Create(c,
                    $"Autostart: mean prediction error {F(RecentMeanError ?? 0)} over the last {RecentErrorCount} periods is below " +
                    $"the autostart accuracy threshold {F(AutostartAccuracyThreshold)}: switched to proactive. "),
                _ => string.Empty,
            };
            var (what, range) = ModeAfter == ControllerMode.Proactive ? (ProactiveWhat(), "proactive") : ("measured", "reactive");
            var outcome = Indication switch
            {
                Indication.Offload => $"is above the {range} range {Range}: offload (migrate at least one VM away).",
                Indication.ReducePower => $"is below the {range} range {Range}: reduce power (migrate every VM away, then power down).",
                _ => $"is inside the {range} range {Range}: no action.",
            };
            return string.Create(c, $"{change}{ModeAfter}: {what} {F(ComparedWorkload)} {outcome}");
        }
    }

    /// <summary>Which proactive input the compared workload is: the measured load, the upper forecast or the prediction.</summary>
    private string ProactiveWhat() =>
        ChecksMeasured && ComparedWorkload == Measured && Predicted != Measured ? "measured"
        : PredictedUpper is { } upper && ComparedWorkload == upper && upper != Predicted ? "upper forecast"
        : "predicted";

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
