namespace Prescient.Core.Controller;

/// <summary>One evaluation's inputs.</summary>
/// <param name="Measured">The host's last measured workload (the period just ended), in [0, 1].</param>
/// <param name="Predicted">The predicted workload of the current period, in [0, 1]; null when the network gives none.</param>
/// <param name="PredictionError">
/// |measured - predicted| for the period just measured (what the network had predicted for it); null when there
/// was no prediction. Feeds autostart's recent error.
/// </param>
/// <param name="At">When the evaluation happens (recorded in the decision; optional).</param>
public sealed record ControllerInput(double Measured, double? Predicted, double? PredictionError, DateTimeOffset? At = null)
{
    /// <summary>
    /// The risk side of the forecast: an upper quantile (for example the 90th) of the load over the periods a
    /// migration needs, in [0, 1]; null when the forecaster gives none (then <see cref="Predicted"/> stands for it).
    /// Proactive offloads compare it with the high threshold.
    /// </summary>
    public double? PredictedUpper { get; init; }
}
