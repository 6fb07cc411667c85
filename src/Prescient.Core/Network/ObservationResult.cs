namespace Prescient.Core.Network;

/// <summary>What <see cref="WorkloadPredictor.Observe"/> did.</summary>
/// <param name="Predicted">The prediction for the period made before learning from it (null when disabled).</param>
/// <param name="AbsoluteError">|measured - predicted| (null when disabled).</param>
/// <param name="Trained">Whether the weights were updated (training mode only).</param>
public readonly record struct ObservationResult(double? Predicted, double? AbsoluteError, bool Trained);
