namespace Prescient.Simulation.Engine;

/// <summary>
/// A controller decision that asked for something (offload or reduce power), with its reason and what the engine did.
/// <c>Predicted</c> is the forecast the controller compared: the higher of the current and the next period's.
/// </summary>
public sealed record DecisionRecord(DateTimeOffset Time, string HostId, string Mode, string Indication, double Measured, double? Predicted, string Reason, string Outcome);
