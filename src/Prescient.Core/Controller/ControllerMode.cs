namespace Prescient.Core.Controller;

/// <summary>The controller's mode.</summary>
public enum ControllerMode
{
    /// <summary>Decisions compare the measured workload with the reactive range.</summary>
    Reactive,

    /// <summary>Decisions compare the predicted workload with the proactive range.</summary>
    Proactive,
}
