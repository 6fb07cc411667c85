namespace Prescient.Core.Windows;

/// <summary>What happened to one sample offered to a window.</summary>
public enum SampleOutcome
{
    /// <summary>Counted.</summary>
    Accepted,

    /// <summary>Its sequence was already counted: ignored (a redelivery).</summary>
    Duplicate,

    /// <summary>Its window is closed: not counted, reported to the caller.</summary>
    WindowClosed,
}
