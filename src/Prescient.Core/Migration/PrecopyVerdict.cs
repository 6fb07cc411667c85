namespace Prescient.Core.Migration;

public sealed record PrecopyVerdict(PrecopyDecision Decision, string Reason);
