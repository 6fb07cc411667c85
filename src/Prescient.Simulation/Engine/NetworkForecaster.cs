using Prescient.Core.Calendar;
using Prescient.Core.Network;

namespace Prescient.Simulation.Engine;

/// <summary>The patent's network (Prescient.Core's <see cref="WorkloadPredictor"/>) as a per-VM forecaster.</summary>
public sealed class NetworkForecaster : IVmForecaster
{
    private readonly WorkloadPredictor _predictor;

    public NetworkForecaster(WorkloadPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        _predictor = predictor;
    }

    /// <summary>A new predictor with <paramref name="options"/> (seeded by the caller for reproducibility).</summary>
    public static NetworkForecaster Create(PredictorOptions options, DayCategorizer categorizer, int periodsPerDay) =>
        new(new WorkloadPredictor(options, categorizer, periodsPerDay));

    public WorkloadPredictor Predictor => _predictor;

    public void Train(IReadOnlyList<VmPeriod> history, int epochs)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (epochs > 0 && history.Count > 0)
        {
            _predictor.TrainBulk([.. history.Select(ToObservation)], epochs);
        }
    }

    public double? Predict(DateOnly date, int period, double lastMeasured) =>
        _predictor.Predict(date, period, Math.Clamp(lastMeasured, 0, 1)) is { } p ? Math.Clamp(p, 0, 1) : null;

    public void Observe(VmPeriod measured) => _predictor.Observe(ToObservation(measured));

    public IVmForecaster Clone() => new NetworkForecaster(WorkloadPredictor.FromSnapshot(_predictor.ToSnapshot(), _predictor.Categorizer));

    private static PeriodObservation ToObservation(VmPeriod p) =>
        new(p.Date, p.Period, Math.Clamp(p.Previous, 0, 1), Math.Clamp(p.Actual, 0, 1));
}
