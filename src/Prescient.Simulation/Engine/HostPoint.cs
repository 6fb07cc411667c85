namespace Prescient.Simulation.Engine;

/// <summary>One evaluation interval of one host.</summary>
/// <param name="Time">End of the interval.</param>
/// <param name="Measured">Mean utilisation over the interval (migration overheads included; 0 when powered down).</param>
/// <param name="Demand">What the VMs first placed on the host asked for in the interval (the "no migration" line), as a share of its capacity, capped at 1.</param>
/// <param name="Predicted">The forecast in force for the interval's period (null when the host has none).</param>
/// <param name="Mode">Controller mode after the evaluation ("reactive", "proactive", "none", "off").</param>
/// <param name="PowerState">"on", "reduced" or "waking".</param>
public sealed record HostPoint(DateTimeOffset Time, double Measured, double Demand, double? Predicted, double High, double Low, string Mode, string PowerState);
