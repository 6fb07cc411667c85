namespace Prescient.Core.Planning;

/// <summary>Why a move is planned.</summary>
public enum MoveKind
{
    /// <summary>The source is above its high threshold (or forecast to be): at least one VM leaves.</summary>
    Offload,

    /// <summary>The source is below its low threshold: every VM leaves, then the host goes to reduced power.</summary>
    Evacuation,
}
