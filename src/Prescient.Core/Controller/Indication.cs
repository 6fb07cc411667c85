namespace Prescient.Core.Controller;

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
