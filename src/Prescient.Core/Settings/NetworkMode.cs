namespace Prescient.Core.Settings;

/// <summary>What the host's network does.</summary>
public enum NetworkMode
{
    /// <summary>Predicts and keeps learning from each measured period.</summary>
    Training,

    /// <summary>Predicts with frozen weights (after migrations expected to reverse, to avoid oscillating retraining).</summary>
    PredictOnly,

    /// <summary>No predictions: the controller stays reactive.</summary>
    Disabled,
}
