namespace Prescient.Core.Planning;

/// <summary>Why a move is planned.</summary>
public enum MoveKind
{
    /// <summary>The source is above its high threshold (or forecast to be): at least one VM leaves.</summary>
    Offload,

    /// <summary>The source is below its low threshold: every VM leaves, then the host goes to reduced power.</summary>
    Evacuation,

    /// <summary>
    /// A smaller VM leaves a host within its range so that a VM offloaded from an overloaded host fits there (no host
    /// fits it as it is): the source of this move is the destination of that offload.
    /// </summary>
    MakeRoom,
}
