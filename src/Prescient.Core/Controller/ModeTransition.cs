namespace Prescient.Core.Controller;

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
