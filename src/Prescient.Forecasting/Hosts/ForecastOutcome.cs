using Prescient.Core.Planning;

namespace Prescient.Forecasting.Hosts;

/// <summary>
/// A host's forecast as decisions consume it (Core's <see cref="HostForecast"/>: mean and upper per period ahead, the
/// selected model's name and its recent error), with what the controller and the host page also need.
/// </summary>
/// <param name="Forecast">The forecast of the running period and the next ones.</param>
/// <param name="PreviousError">|measured - forecast| of the period just measured, as the selected model forecast it one period before (null when either is missing): the autostart gate's per-period error.</param>
/// <param name="LastValueMae">Last value's error one period ahead over the same recent periods (null when unknown).</param>
/// <param name="UpperQuantile">The quantile the upper forecast stands for.</param>
public sealed record ForecastOutcome(HostForecast Forecast, double? PreviousError, double? LastValueMae, double UpperQuantile);
