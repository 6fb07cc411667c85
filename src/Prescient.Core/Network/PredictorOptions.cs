using Prescient.Core.Calendar;
using Prescient.Core.Settings;

namespace Prescient.Core.Network;

/// <summary>How a <see cref="WorkloadPredictor"/> works.</summary>
public sealed record PredictorOptions
{
    /// <summary>The defaults.</summary>
    public static PredictorOptions Default { get; } = new();

    /// <summary>The network's shape and training parameters.</summary>
    public NetworkOptions Network { get; init; } = NetworkOptions.Default;

    /// <summary>One network per day category (chosen by the date) instead of one network taking the category as input.</summary>
    public bool NetworkPerDayCategory { get; init; }

    /// <summary>Training, predict-only or disabled.</summary>
    public NetworkMode Mode { get; init; } = NetworkMode.Training;

    /// <summary>N: the rolling mean absolute error covers the last N observed periods.</summary>
    public int AccuracyWindow { get; init; } = 6;

    /// <summary>The network has converged once the rolling error over a full window is below this.</summary>
    public double ConvergenceThreshold { get; init; } = 0.05;

    /// <summary>Observed periods of training after which a network that has not converged is disabled.</summary>
    public int TrainingDeadlinePeriods { get; init; } = 14 * 72;

    /// <summary>Keep training after the deadline instead of disabling.</summary>
    public bool KeepTrainingAfterDeadline { get; init; }

    /// <summary>Options from a host's effective settings; the deadline is converted to periods of <paramref name="calendar"/>.</summary>
    public static PredictorOptions FromSettings(HostSettings settings, PeriodCalendar calendar, NetworkOptions? network = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(calendar);
        return new PredictorOptions
        {
            Network = network ?? NetworkOptions.Default,
            NetworkPerDayCategory = settings.NetworkPerDayCategory,
            Mode = settings.NetworkMode,
            AccuracyWindow = settings.AutostartWindow,
            ConvergenceThreshold = settings.AutostartAccuracyThreshold,
            TrainingDeadlinePeriods = (int)Math.Min(int.MaxValue, Math.Ceiling(settings.TrainingDeadline / calendar.PeriodLength)),
            KeepTrainingAfterDeadline = settings.KeepTrainingAfterDeadline,
        };
    }

    /// <summary>All problems, as clear messages (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Network is null)
        {
            errors.Add("The network options are required.");
        }
        else
        {
            errors.AddRange(Network.Validate());
        }

        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"The network mode '{(int)Mode}' is unknown (training, predict-only or disabled).");
        }

        if (AccuracyWindow is < 1 or > 1000)
        {
            errors.Add($"The accuracy window must be 1 to 1000 periods, not {AccuracyWindow}.");
        }

        if (!(ConvergenceThreshold is > 0 and <= 1))
        {
            errors.Add($"The convergence threshold must be above 0 and at most 1, not {ConvergenceThreshold}.");
        }

        if (TrainingDeadlinePeriods < 1)
        {
            errors.Add($"The training deadline must be at least one period, not {TrainingDeadlinePeriods}.");
        }

        return errors;
    }
}
