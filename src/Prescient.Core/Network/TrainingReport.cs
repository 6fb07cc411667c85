namespace Prescient.Core.Network;

/// <summary>The outcome of bulk training.</summary>
/// <param name="Epochs">Passes over the history.</param>
/// <param name="Samples">Observations in the history.</param>
/// <param name="MeanAbsoluteError">Mean absolute error over the history after training.</param>
public sealed record TrainingReport(int Epochs, int Samples, double MeanAbsoluteError);
