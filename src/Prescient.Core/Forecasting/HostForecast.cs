namespace Prescient.Core.Forecasting;

/// <summary>
/// A host's load forecast for the next periods, as the decision needs it: the mean and an upper quantile (the 90th
/// by default) of each period, from the model selected for the host by validation error.
/// </summary>
/// <param name="Model">The selected model's name (for example <c>network</c>, <c>fasttree</c>, <c>last-value</c>).</param>
/// <param name="Mean">Mean load of the next periods, the running one first; each in [0, 1].</param>
/// <param name="Upper">Upper quantile of the same periods; each in [Mean[i], 1].</param>
/// <param name="ValidationMae">The model's mean absolute error one period ahead on its held-out periods (null when it was never validated).</param>
/// <param name="LastValueMae">Last value's error on the same held-out periods (null when unknown).</param>
/// <param name="PreviousError">|measured - forecast| of the period just measured, as forecast one period before (null when either is missing): the autostart gate's per-period error.</param>
public sealed record HostForecast(
    string Model,
    IReadOnlyList<double> Mean,
    IReadOnlyList<double> Upper,
    double? ValidationMae,
    double? LastValueMae,
    double? PreviousError)
{
    /// <summary>The quantile <see cref="Upper"/> stands for.</summary>
    public double UpperQuantile { get; init; } = 0.9;

    /// <summary>The highest upper quantile over the forecast periods (null when there are none): what a proactive offload compares.</summary>
    public double? PeakUpper => Upper.Count == 0 ? null : Upper.Max();

    /// <summary>The forecast of the running period (null when there is none).</summary>
    public double? Next => Mean.Count == 0 ? null : Mean[0];
}
