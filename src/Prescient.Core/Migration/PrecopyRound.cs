namespace Prescient.Core.Migration;

/// <summary>A completed pre-copy round: what it sent, what the VM dirtied meanwhile, how long it took.</summary>
public sealed record PrecopyRound(int Round, double SentMb, double DirtiedMb, double DurationSeconds);
