namespace Prescient.Core.Migration;

public enum PrecopyDecision
{
    NextRound,
    Quiesce,
    StopAndCopy,
    Abort,
}
