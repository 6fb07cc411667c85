using System.Text.Json;
using System.Text.Json.Serialization;
using Prescient.Core.Settings;

namespace Prescient.Core.Controller;

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
