namespace Prescient.Simulation.Fleet;

/// <summary>A power-state change or migration event, for reports.</summary>
public sealed record FleetEvent(DateTimeOffset Time, string HostId, string Kind, string Detail);
