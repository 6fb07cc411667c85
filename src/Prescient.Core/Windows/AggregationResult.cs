namespace Prescient.Core.Windows;

/// <summary>The outcome of offering a batch of samples to a <see cref="WindowAggregator"/>.</summary>
/// <param name="Accepted">Samples counted.</param>
/// <param name="Duplicates">Samples whose (host, sequence) was already counted in an open window: ignored.</param>
/// <param name="ClosedWindowSamples">Samples for windows already closed: not counted, returned so the caller can record them.</param>
public sealed record AggregationResult(int Accepted, int Duplicates, IReadOnlyList<WorkloadSample> ClosedWindowSamples);
