namespace Prescient.Simulation.Engine;

/// <summary>A host's timeline under one policy.</summary>
public sealed record HostTimeline(string HostId, IReadOnlyList<HostPoint> Points, double PeakMeasured, double MinutesAboveHigh, double HoursPoweredDown, double? PredictionMae, double EnergyKWh);
