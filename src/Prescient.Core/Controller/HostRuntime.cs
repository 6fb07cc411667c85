using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Core.Workload;

namespace Prescient.Core.Controller;

/// <summary>
/// The per-period loop of one host, composed from its <see cref="WorkloadPredictor"/> and
/// <see cref="HostController"/>: when a period's measurement is in, the predictor learns from it (recording how far
/// off its prediction was), predicts the next period from it, and the controller decides. Not thread-safe.
/// </summary>
public sealed class HostRuntime
{
    private readonly PeriodCalendar _calendar;

    /// <summary>A host's loop.</summary>
    /// <param name="calendar">The host's calendar.</param>
    /// <param name="predictor">Its predictor (restored from a snapshot, or new).</param>
    /// <param name="state">Its controller state (restored, so it restarts in its last mode), or null for a new host.</param>
    public HostRuntime(PeriodCalendar calendar, WorkloadPredictor predictor, ControllerState? state = null)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(predictor);
        if (predictor.PeriodsPerDay != calendar.PeriodsPerDay)
        {
            throw new ArgumentException(
                $"The predictor has {predictor.PeriodsPerDay} periods a day but the calendar {calendar.PeriodsPerDay}.", nameof(predictor));
        }

        _calendar = calendar;
        Predictor = predictor;
        State = state ?? ControllerState.Initial;
    }

    /// <summary>The predictor.</summary>
    public WorkloadPredictor Predictor { get; }

    /// <summary>The controller state after the last period.</summary>
    public ControllerState State { get; private set; }

    /// <summary>The last measured period and its workload, if any.</summary>
    public (PeriodKey Period, double Workload)? LastMeasured { get; private set; }

    /// <summary>The prediction for the period after the last measured one, if any.</summary>
    public double? NextPrediction { get; private set; }

    /// <summary>
    /// Records the measured workload of <paramref name="period"/> (just ended) and decides for the next period.
    /// The network mode of <paramref name="settings"/> is applied to the predictor first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The workload is not in [0, 1].</exception>
    /// <exception cref="ArgumentException">The period is not after the last measured one.</exception>
    public Decision EndPeriod(PeriodKey period, double measured, HostSettings settings, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Utilisation.Validate(measured, nameof(measured));
        if (LastMeasured is { } last && period <= last.Period)
        {
            throw new ArgumentException($"Period {period} is not after the last measured period {last.Period}.", nameof(period));
        }

        if (Predictor.Mode != settings.NetworkMode)
        {
            Predictor.SetMode(settings.NetworkMode);
        }

        double? error = null;
        if (LastMeasured is { } previous)
        {
            error = Predictor.Observe(new PeriodObservation(period.Date, period.Index, previous.Workload, measured)).AbsoluteError;
        }

        var next = _calendar.Next(period);
        var predicted = Predictor.Predict(next.Date, next.Index, measured);
        var (decision, state) = HostController.Evaluate(State, new ControllerInput(measured, predicted, error, at ?? _calendar.EndOf(period)), settings);
        State = state;
        LastMeasured = (period, measured);
        NextPrediction = predicted;
        return decision;
    }
}
