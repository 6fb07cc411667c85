using Prescient.Core.Controller;
using Prescient.Core.Settings;

namespace Prescient.Simulation.Engine;

/// <summary>
/// Prescient.Core's <see cref="HostController"/> driven by the engine. The controller keeps one prediction error per
/// period for autostart; the engine evaluates several times a period, so each evaluation re-submits the last
/// period's error in place of the copy already recorded (the recent errors stay one per period).
/// </summary>
public sealed class CoreHostControl : IHostControl
{
    private readonly HostSettings _settings;
    private ControllerState _state;
    private double? _pendingError;
    private bool _errorRecorded;

    public CoreHostControl(HostSettings settings, ControllerState? initial = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings.EnsureValid();
        _state = initial ?? ControllerState.Initial;
    }

    public string Mode => _state.Mode == ControllerMode.Proactive ? "proactive" : "reactive";

    public (double Low, double High) ReactiveRange => (_settings.ReactiveRange.Low, _settings.ReactiveRange.High);

    public ControllerState State => _state;

    public HostSettings Settings => _settings;

    public Decision? LastDecision { get; private set; }

    public void RecordPeriodError(double? absoluteError)
    {
        _pendingError = absoluteError is { } e ? Math.Clamp(e, 0, 1) : null;
        _errorRecorded = false;
    }

    public ControlOutput Evaluate(ControlInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = _state;
        if (_errorRecorded && _pendingError is not null && state.RecentErrors.Count > 0)
        {
            state = state with { RecentErrors = [.. state.RecentErrors.Take(state.RecentErrors.Count - 1)] };
        }

        var predicted = input.Predicted is { } p ? Math.Clamp(p, 0, 1) : (double?)null;
        var (decision, next) = HostController.Evaluate(state, new ControllerInput(Math.Clamp(input.Measured, 0, 1), predicted, _pendingError, input.Time), _settings);
        _state = next;
        _errorRecorded = true;
        LastDecision = decision;
        var indication = decision.Indication switch
        {
            Indication.Offload => HostIndication.Offload,
            Indication.ReducePower => HostIndication.ReducePower,
            _ => HostIndication.None,
        };
        return new ControlOutput(Mode, indication, decision.Range.Low, decision.Range.High, decision.Reason);
    }
}
