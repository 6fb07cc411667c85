using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Prescient.Core.Settings;

namespace Prescient.Core.Controller;

/// <summary>The controller's mode.</summary>
public enum ControllerMode
{
    /// <summary>Decisions compare the measured workload with the reactive range.</summary>
    Reactive,

    /// <summary>Decisions compare the predicted workload with the proactive range.</summary>
    Proactive,
}

/// <summary>What the controller asks for.</summary>
public enum Indication
{
    /// <summary>Nothing to do: the compared workload is inside its range.</summary>
    None,

    /// <summary>Above the high threshold: migrate at least one VM away.</summary>
    Offload,

    /// <summary>Below the low threshold: migrate every VM away, then put the host into reduced power.</summary>
    ReducePower,
}

/// <summary>Why the mode changed in an evaluation (or that it did not).</summary>
public enum ModeTransition
{
    /// <summary>The mode did not change.</summary>
    None,

    /// <summary>The user's controller mode setting changed and was applied.</summary>
    Command,

    /// <summary>Autostart: the recent prediction error fell below the autostart accuracy threshold.</summary>
    Autostart,

    /// <summary>Failsafe: the measured workload left the failsafe range.</summary>
    Failsafe,

    /// <summary>No prediction was available (network disabled, not trained, or no prediction given).</summary>
    NetworkUnavailable,
}

/// <summary>One evaluation's inputs.</summary>
/// <param name="Measured">The host's last measured workload (the period just ended), in [0, 1].</param>
/// <param name="Predicted">The predicted workload of the current period, in [0, 1]; null when the network gives none.</param>
/// <param name="PredictionError">
/// |measured - predicted| for the period just measured (what the network had predicted for it); null when there
/// was no prediction. Feeds autostart's recent error.
/// </param>
/// <param name="At">When the evaluation happens (recorded in the decision; optional).</param>
public sealed record ControllerInput(double Measured, double? Predicted, double? PredictionError, DateTimeOffset? At = null)
{
    /// <summary>
    /// The risk side of the forecast: an upper quantile (for example the 90th) of the load over the periods a
    /// migration needs, in [0, 1]; null when the forecaster gives none (then <see cref="Predicted"/> stands for it).
    /// Proactive offloads compare it with the high threshold.
    /// </summary>
    public double? PredictedUpper { get; init; }
}

/// <summary>
/// A host controller's state: its mode (a host restarts in this mode), the recent prediction errors autostart looks
/// at, the controller mode setting last applied, and the last decision. Immutable; serialisable as JSON.
/// </summary>
/// <param name="Mode">The current mode.</param>
/// <param name="RecentErrors">Prediction errors of the most recent consecutive periods, oldest first (at most the autostart window).</param>
/// <param name="AppliedSetting">The controller mode setting last applied (null: none yet). Set it to null to re-issue the same setting as a command.</param>
/// <param name="LastDecision">The last decision, if any.</param>
public sealed record ControllerState(
    ControllerMode Mode,
    IReadOnlyList<double> RecentErrors,
    ControllerModeSetting? AppliedSetting,
    Decision? LastDecision)
{
    /// <summary>
    /// Set when the failsafe switched the host to reactive under the "proactive" setting: it stays reactive until the
    /// setting is applied again.
    /// </summary>
    public bool FailsafeLatched { get; init; }

    /// <summary>A new host: reactive, no history.</summary>
    public static ControllerState Initial { get; } = new(ControllerMode.Reactive, [], null, null);

    /// <summary>The mean of <see cref="RecentErrors"/> (null when empty).</summary>
    [JsonIgnore]
    public double? RecentMeanError => RecentErrors.Count == 0 ? null : RecentErrors.Average();

    /// <summary>The state as JSON (UTF-8), to store so a host restarts in its last mode.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CoreJsonContext.Default.ControllerState);

    /// <summary>A state saved by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a controller state.</exception>
    public static ControllerState FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var state = JsonSerializer.Deserialize(json, CoreJsonContext.Default.ControllerState);
            return state is { RecentErrors: not null } && Enum.IsDefined(state.Mode)
                ? state
                : throw new FormatException("The bytes are not a controller state.");
        }
        catch (JsonException e)
        {
            throw new FormatException("The controller state is not valid JSON of the expected shape: " + e.Message, e);
        }
    }
}

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
