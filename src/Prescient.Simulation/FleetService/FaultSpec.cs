namespace Prescient.Simulation.FleetService;

/// <summary>A fault to inject. Durations are wall-clock seconds; null means until cleared.</summary>
public sealed record FaultSpec(string HostId, FaultKind Kind, double? DurationSeconds = null, int Count = 0, int DelayMs = 0, string? Reason = null);
