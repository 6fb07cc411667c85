namespace Prescient.Core.Settings;

/// <summary>The user's controller mode setting.</summary>
public enum ControllerModeSetting
{
    /// <summary>Always reactive: decisions use the measured workload only.</summary>
    Reactive,

    /// <summary>Enter proactive mode (decisions use the prediction); the failsafe drops back to reactive, where the host stays until told again.</summary>
    Proactive,

    /// <summary>Start reactive and switch to proactive automatically once predictions are accurate; failsafe back to reactive, and again.</summary>
    Autostart,
}
