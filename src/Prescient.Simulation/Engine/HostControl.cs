using Prescient.Core.Settings;

namespace Prescient.Simulation.Engine;

/// <summary>What a host's controller asks for.</summary>
public enum HostIndication
{
    None,
    Offload,
    ReducePower,
}

/// <summary>What the controller sees at one evaluation.</summary>
/// <param name="Measured">Mean measured workload over the last evaluation interval.</param>
/// <param name="Predicted">The host's forecast (the higher of the current and the next period), null without one.</param>
public sealed record ControlInput(DateTimeOffset Time, double Measured, double? Predicted);

/// <summary>The controller's answer: mode after the evaluation, the indication, the range it compared with and why.</summary>
public sealed record ControlOutput(string Mode, HostIndication Indication, double Low, double High, string Reason);

/// <summary>A host's controller as the engine drives it (adapted from Prescient.Core's controller).</summary>
public interface IHostControl
{
    /// <summary>"reactive", "proactive" or "none".</summary>
    string Mode { get; }

    /// <summary>The host's effective settings (ranges, anti-ping-pong knobs for the migration guard).</summary>
    HostSettings Settings { get; }

    /// <summary>The reactive range (for charts and minutes-above-high).</summary>
    (double Low, double High) ReactiveRange { get; }

    ControlOutput Evaluate(ControlInput input);

    /// <summary>Records the absolute prediction error of a finished period (null: none; autostart looks at recent errors).</summary>
    void RecordPeriodError(double? absoluteError);
}

/// <summary>The "no migration" policy: measures and predicts, never asks for anything.</summary>
public sealed class NoMigrationControl(double low, double high) : IHostControl
{
    public string Mode => "none";

    public HostSettings Settings { get; } = HostSettings.Default with { ReactiveRange = new WorkloadRange(low, high) };

    public (double Low, double High) ReactiveRange => (low, high);

    public ControlOutput Evaluate(ControlInput input) => new("none", HostIndication.None, low, high, "no-migration policy");

    public void RecordPeriodError(double? absoluteError)
    {
    }
}
