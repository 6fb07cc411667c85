namespace Prescient.Agent.Buffering;

/// <summary>Limits of the on-disk buffer.</summary>
public sealed record BufferLimits(long MaxBytes, int MaxBatches);
