using System.Text.Json;
using Prescient.Core.Calendar;
using Prescient.Core.Settings;
using Prescient.Core.Workload;

namespace Prescient.Core.Network;

/// <summary>
/// A host's workload predictor: the 3-20-1 network (or one per day category), bulk training by cycling the history,
/// online learning from each measured period, predict-only and disabled modes, a rolling mean absolute error over the
/// last N periods, and disabling after the training deadline when it has not converged. Saved and restored as JSON
/// bytes. Not thread-safe.
/// </summary>
public sealed class WorkloadPredictor
{
    /// <summary>Version of the snapshot format written by <see cref="ToSnapshot"/>.</summary>
    public const int SnapshotFormatVersion = 1;

    private const string SnapshotKind = "prescient.workload-predictor";

    private readonly FeedForwardNetwork[] _networks;
    private readonly double[] _errors;
    private SplitMix64 _random;
    private int _errorStart;
    private int _errorCount;

    /// <summary>A new, untrained predictor.</summary>
    /// <param name="options">How it works.</param>
    /// <param name="categorizer">Day categories (the input, or the choice of network).</param>
    /// <param name="periodsPerDay">Periods per day of the host's calendar (72 for 20 minutes).</param>
    public WorkloadPredictor(PredictorOptions options, DayCategorizer categorizer, int periodsPerDay)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(categorizer);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid predictor options: " + string.Join(" ", errors), nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(periodsPerDay, 1);
        Options = options;
        Categorizer = categorizer;
        PeriodsPerDay = periodsPerDay;
        Mode = options.Mode;
        var count = options.NetworkPerDayCategory ? categorizer.CategoryCount : 1;
        _networks = new FeedForwardNetwork[count];
        for (var c = 0; c < count; c++)
        {
            // Each category's network gets its own, still deterministic, initial weights.
            _networks[c] = new FeedForwardNetwork(options.Network with { Seed = options.Network.Seed + (ulong)c });
        }

        _errors = new double[options.AccuracyWindow];
        _random = new SplitMix64(options.Network.Seed ^ 0x5DEECE66DUL);
    }

    /// <summary>A predictor for a host's effective settings and calendar.</summary>
    public static WorkloadPredictor Create(HostSettings settings, PeriodCalendar calendar, DayCategorizer categorizer, NetworkOptions? network = null)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return new WorkloadPredictor(PredictorOptions.FromSettings(settings, calendar, network), categorizer, calendar.PeriodsPerDay);
    }

    /// <summary>How it works.</summary>
    public PredictorOptions Options { get; }

    /// <summary>The day categorizer.</summary>
    public DayCategorizer Categorizer { get; }

    /// <summary>Periods per day.</summary>
    public int PeriodsPerDay { get; }

    /// <summary>The current network mode (a setting; change it with <see cref="SetMode"/>).</summary>
    public NetworkMode Mode { get; private set; }

    /// <summary>True when the training deadline passed without convergence (and keep-training is off).</summary>
    public bool DisabledByDeadline { get; private set; }

    /// <summary>True when the predictor makes no predictions (disabled by setting or by the deadline).</summary>
    public bool IsDisabled => Mode == NetworkMode.Disabled || DisabledByDeadline;

    /// <summary>True once the rolling error over a full window has been below the convergence threshold.</summary>
    public bool Converged { get; private set; }

    /// <summary>Periods observed while training (what the deadline counts).</summary>
    public long TrainingPeriods { get; private set; }

    /// <summary>Number of networks (1, or the number of day categories).</summary>
    public int NetworkCount => _networks.Length;

    /// <summary>The mean absolute error over the last N observed periods (null before the first).</summary>
    public double? RollingMae
    {
        get
        {
            if (_errorCount == 0)
            {
                return null;
            }

            // Summed oldest first, so a restored predictor reports exactly the same value.
            var sum = 0.0;
            for (var i = 0; i < _errorCount; i++)
            {
                sum += _errors[(_errorStart + i) % _errors.Length];
            }

            return sum / _errorCount;
        }
    }

    /// <summary>Whether N periods have been observed since the window was last cleared.</summary>
    public bool HasFullAccuracyWindow => _errorCount == _errors.Length;

    /// <summary>The network used on <paramref name="date"/> (read-only use intended: inspection and tests).</summary>
    public FeedForwardNetwork NetworkFor(DateOnly date) => _networks[Options.NetworkPerDayCategory ? Categorizer.CategoryOf(date) : 0];

    /// <summary>Changes the mode. Entering training clears a deadline disablement and restarts the deadline.</summary>
    public void SetMode(NetworkMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown network mode.");
        }

        if (mode == NetworkMode.Training && (Mode != NetworkMode.Training || DisabledByDeadline))
        {
            DisabledByDeadline = false;
            TrainingPeriods = 0;
        }

        Mode = mode;
    }

    /// <summary>The predicted workload of <paramref name="period"/> on <paramref name="date"/>, or null when disabled.</summary>
    /// <param name="date">The local date.</param>
    /// <param name="period">The period index (0 .. PeriodsPerDay - 1).</param>
    /// <param name="lastMeasured">The workload measured in the period before, in [0, 1].</param>
    public double? Predict(DateOnly date, int period, double lastMeasured)
    {
        if (IsDisabled)
        {
            return null;
        }

        var (network, category, scaledPeriod) = Inputs(date, period);
        return network.Predict(category, scaledPeriod, Utilisation.Validate(lastMeasured, nameof(lastMeasured)));
    }

    /// <summary>
    /// Learns from a newly measured period: predicts it first (recording the error for the rolling MAE), then, in
    /// training mode, takes one back-propagation step. Checks the training deadline.
    /// </summary>
    public ObservationResult Observe(PeriodObservation observation)
    {
        if (IsDisabled)
        {
            return new ObservationResult(null, null, false);
        }

        var (network, category, period) = Inputs(observation.Date, observation.Period);
        var previous = Utilisation.Validate(observation.PreviousWorkload, nameof(observation.PreviousWorkload));
        var target = Utilisation.Validate(observation.Workload, nameof(observation.Workload));
        double predicted;
        var trained = Mode == NetworkMode.Training;
        if (trained)
        {
            predicted = network.Train(category, period, previous, target);
        }
        else
        {
            predicted = network.Predict(category, period, previous);
        }

        var error = Math.Abs(target - predicted);
        RecordError(error);
        if (HasFullAccuracyWindow && RollingMae < Options.ConvergenceThreshold)
        {
            Converged = true;
        }

        if (trained)
        {
            TrainingPeriods++;
            if (!Converged && !Options.KeepTrainingAfterDeadline && TrainingPeriods >= Options.TrainingDeadlinePeriods)
            {
                DisabledByDeadline = true;
            }
        }

        return new ObservationResult(predicted, error, trained);
    }

    /// <summary>
    /// Bulk training: cycles <paramref name="epochs"/> times through <paramref name="history"/> in a seeded random
    /// order, one back-propagation step per observation. Does not touch the rolling error or the deadline.
    /// </summary>
    /// <exception cref="InvalidOperationException">The predictor is not in training mode.</exception>
    public TrainingReport TrainBulk(IReadOnlyList<PeriodObservation> history, int epochs)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (Mode != NetworkMode.Training || DisabledByDeadline)
        {
            throw new InvalidOperationException(
                $"Bulk training needs training mode; the predictor is {(DisabledByDeadline ? "disabled after its training deadline" : Mode.ToString())}.");
        }

        var rows = new (FeedForwardNetwork Network, double Category, double Period, double Previous, double Target)[history.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var o = history[i];
            var (network, category, period) = Inputs(o.Date, o.Period);
            rows[i] = (network, category, period,
                Utilisation.Validate(o.PreviousWorkload, $"history[{i}].PreviousWorkload"),
                Utilisation.Validate(o.Workload, $"history[{i}].Workload"));
        }

        var order = new int[rows.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (var epoch = 0; epoch < epochs; epoch++)
        {
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = _random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            foreach (var index in order)
            {
                var r = rows[index];
                r.Network.Train(r.Category, r.Period, r.Previous, r.Target);
            }
        }

        var sum = 0.0;
        foreach (var r in rows)
        {
            sum += Math.Abs(r.Target - r.Network.Predict(r.Category, r.Period, r.Previous));
        }

        return new TrainingReport(epochs, rows.Length, rows.Length == 0 ? 0 : sum / rows.Length);
    }

    /// <summary>The shuffling generator (bulk training continues its sequence).</summary>
    internal ref SplitMix64 Shuffler => ref _random;

    /// <summary>The single network (null when there is one per day category).</summary>
    internal FeedForwardNetwork? SingleNetwork => _networks.Length == 1 ? _networks[0] : null;

    /// <summary>The scaled inputs of an observation: category, period, previous load, target.</summary>
    internal (double Category, double Period, double Previous, double Target) ScaledInputs(PeriodObservation o)
    {
        var (_, category, period) = Inputs(o.Date, o.Period);
        return (category, period, Utilisation.Validate(o.PreviousWorkload, nameof(o.PreviousWorkload)), Utilisation.Validate(o.Workload, nameof(o.Workload)));
    }

    /// <summary>A deep copy (weights, optimiser state, accuracy window, counters, shuffling state), without serialising.</summary>
    public WorkloadPredictor Clone()
    {
        var copy = new WorkloadPredictor(Options, Categorizer, PeriodsPerDay);
        for (var c = 0; c < _networks.Length; c++)
        {
            copy._networks[c] = _networks[c].Clone();
        }

        Array.Copy(_errors, copy._errors, _errors.Length);
        copy._errorStart = _errorStart;
        copy._errorCount = _errorCount;
        copy._random = _random;
        copy.Mode = Mode;
        copy.TrainingPeriods = TrainingPeriods;
        copy.Converged = Converged;
        copy.DisabledByDeadline = DisabledByDeadline;
        return copy;
    }

    /// <summary>Weights, optimiser state, accuracy window and metadata as versioned JSON (UTF-8).</summary>
    public byte[] ToSnapshot()
    {
        var errors = new double[_errorCount];
        for (var i = 0; i < _errorCount; i++)
        {
            errors[i] = _errors[(_errorStart + i) % _errors.Length];
        }

        var snapshot = new PredictorSnapshot(
            SnapshotFormatVersion, SnapshotKind, PeriodsPerDay, Categorizer.CategoryCount, Categorizer.Mode, Options, Mode,
            [.. _networks.Select(n => n.ToState())], _random.State, errors, TrainingPeriods, Converged, DisabledByDeadline);
        return JsonSerializer.SerializeToUtf8Bytes(snapshot, CoreJsonContext.Default.PredictorSnapshot);
    }

    /// <summary>Restores a predictor saved by <see cref="ToSnapshot"/>.</summary>
    /// <param name="snapshot">The bytes.</param>
    /// <param name="categorizer">The host's day categorizer; must have the saved number of categories.</param>
    /// <exception cref="FormatException">The bytes are not a valid snapshot of this version, or do not match <paramref name="categorizer"/>.</exception>
    public static WorkloadPredictor FromSnapshot(ReadOnlySpan<byte> snapshot, DayCategorizer categorizer)
    {
        ArgumentNullException.ThrowIfNull(categorizer);
        PredictorSnapshot? s;
        try
        {
            s = JsonSerializer.Deserialize(snapshot, CoreJsonContext.Default.PredictorSnapshot);
        }
        catch (JsonException e)
        {
            throw new FormatException("The predictor snapshot is not valid JSON of the expected shape: " + e.Message, e);
        }

        if (s is null || s.Kind != SnapshotKind)
        {
            throw new FormatException("The bytes are not a predictor snapshot.");
        }

        if (s.FormatVersion != SnapshotFormatVersion)
        {
            throw new FormatException($"Predictor snapshot version {s.FormatVersion} is not supported (expected {SnapshotFormatVersion}).");
        }

        if (s.CategoryCount != categorizer.CategoryCount)
        {
            throw new FormatException(
                $"The snapshot was trained with {s.CategoryCount} day categories ({s.CategoryMode}); the host now has " +
                $"{categorizer.CategoryCount} ({categorizer.Mode}). Retrain the network.");
        }

        WorkloadPredictor predictor;
        try
        {
            predictor = new WorkloadPredictor(s.Options, categorizer, s.PeriodsPerDay);
        }
        catch (ArgumentException e)
        {
            throw new FormatException("The predictor snapshot has invalid options: " + e.Message, e);
        }

        if (s.Networks is null || s.Networks.Length != predictor._networks.Length || s.RecentErrors is null ||
            s.RecentErrors.Length > predictor._errors.Length || s.RecentErrors.Any(e => !Utilisation.IsValid(e)) ||
            s.TrainingPeriods < 0 || !Enum.IsDefined(s.Mode))
        {
            throw new FormatException("The predictor snapshot is inconsistent (networks, errors, counters or mode).");
        }

        for (var c = 0; c < s.Networks.Length; c++)
        {
            predictor._networks[c] = FeedForwardNetwork.FromState(s.Options.Network with { Seed = s.Options.Network.Seed + (ulong)c }, s.Networks[c]);
        }

        foreach (var error in s.RecentErrors)
        {
            predictor.RecordError(error);
        }

        predictor._random = new SplitMix64(s.RandomState);
        predictor.Mode = s.Mode;
        predictor.TrainingPeriods = s.TrainingPeriods;
        predictor.Converged = s.Converged;
        predictor.DisabledByDeadline = s.DisabledByDeadline;
        return predictor;
    }

    private (FeedForwardNetwork Network, double Category, double Period) Inputs(DateOnly date, int period)
    {
        if (period < 0 || period >= PeriodsPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"A period index must be between 0 and {PeriodsPerDay - 1}.");
        }

        var scaledPeriod = PeriodsPerDay == 1 ? 0 : (double)period / (PeriodsPerDay - 1);
        return Options.NetworkPerDayCategory
            ? (_networks[Categorizer.CategoryOf(date)], 0, scaledPeriod)
            : (_networks[0], Categorizer.ScaledCategory(date), scaledPeriod);
    }

    private void RecordError(double error)
    {
        if (_errorCount < _errors.Length)
        {
            _errors[(_errorStart + _errorCount) % _errors.Length] = error;
            _errorCount++;
            return;
        }

        _errors[_errorStart] = error;
        _errorStart = (_errorStart + 1) % _errors.Length;
    }
}

/// <summary>The saved form of a <see cref="WorkloadPredictor"/>.</summary>
internal sealed record PredictorSnapshot(
    int FormatVersion,
    string Kind,
    int PeriodsPerDay,
    int CategoryCount,
    DayCategoryMode CategoryMode,
    PredictorOptions Options,
    NetworkMode Mode,
    NetworkState[] Networks,
    ulong RandomState,
    double[] RecentErrors,
    long TrainingPeriods,
    bool Converged,
    bool DisabledByDeadline);
