using System.Globalization;
using Prescient.Core.Calendar;

namespace Prescient.Core.Settings;

/// <summary>
/// The effective settings of one host (for one day category), resolved from a <see cref="SettingsDocument"/>.
/// Defaults follow the patent: reactive and proactive ranges 0.15..0.80.
/// </summary>
public sealed record HostSettings
{
    /// <summary>The defaults.</summary>
    public static HostSettings Default { get; } = new();

    /// <summary>Length of a period (20 minutes: periods 0..71). Whole minutes dividing a day. All days only.</summary>
    public TimeSpan PeriodLength { get; init; } = PeriodCalendar.DefaultPeriodLength;

    /// <summary>The host's time zone (IANA or Windows id); local midnight starts period 0. All days only.</summary>
    public string TimeZoneId { get; init; } = "UTC";

    /// <summary>Range compared with the measured workload in reactive mode.</summary>
    public WorkloadRange ReactiveRange { get; init; } = new(0.15, 0.80);

    /// <summary>Range compared with the predicted workload in proactive mode.</summary>
    public WorkloadRange ProactiveRange { get; init; } = new(0.15, 0.80);

    /// <summary>In proactive mode, a measured workload outside this range switches to reactive at once. Contains both operating ranges.</summary>
    public WorkloadRange FailsafeRange { get; init; } = new(0.05, 0.95);

    /// <summary>Reactive, proactive or autostart.</summary>
    public ControllerModeSetting ControllerMode { get; init; } = ControllerModeSetting.Autostart;

    /// <summary>Autostart switches to proactive when the mean absolute prediction error over <see cref="AutostartWindow"/> periods is below this.</summary>
    public double AutostartAccuracyThreshold { get; init; } = 0.05;

    /// <summary>Number of recent periods (N) whose prediction error autostart and accuracy tracking look at.</summary>
    public int AutostartWindow { get; init; } = 6;

    /// <summary>
    /// In proactive mode, compare the measured workload as well as the forecast: offload when either is above the high
    /// threshold, reduce power only when both are below the low one. A forecast then makes a host act earlier, never
    /// later (an under-forecast cannot leave a measured overload standing). Off: the patent's comparison of the
    /// forecast alone.
    /// </summary>
    public bool ProactiveChecksMeasured { get; init; } = true;

    /// <summary>Training, predict-only or disabled.</summary>
    public NetworkMode NetworkMode { get; init; } = NetworkMode.Training;

    /// <summary>When true, one network per day category is kept; otherwise one network takes the category as an input.</summary>
    public bool NetworkPerDayCategory { get; init; }

    /// <summary>Training time after which a network that has not reached the autostart accuracy is disabled (unless <see cref="KeepTrainingAfterDeadline"/>).</summary>
    public TimeSpan TrainingDeadline { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Keep training after the deadline instead of disabling a network that has not converged.</summary>
    public bool KeepTrainingAfterDeadline { get; init; }

    /// <summary>After a VM moves, it does not move again for this long.</summary>
    public TimeSpan VmCooldown { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An indication must persist this long before migrations start (zero: act at once).</summary>
    public TimeSpan HoldDuration { get; init; } = TimeSpan.Zero;

    /// <summary>A move must lower the source's load by at least this much (fraction of the host) to be worth it.</summary>
    public double MinimumImprovement { get; init; } = 0.02;

    /// <summary>Most migrations started in one evaluation cycle, fleet-wide.</summary>
    public int MaxMigrationsPerCycle { get; init; } = 8;

    /// <summary>Most migrations in one cycle leaving or reaching one host.</summary>
    public int MaxMigrationsPerHostPerCycle { get; init; } = 2;

    /// <summary>Priority of migrations versus other work.</summary>
    public MigrationPriority MigrationPriority { get; init; } = MigrationPriority.Normal;

    /// <summary>Decide and record, but do not migrate.</summary>
    public bool DryRun { get; init; }

    /// <summary>All problems, as clear messages (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ReactiveRange is null || ProactiveRange is null || FailsafeRange is null)
        {
            errors.Add("The reactive, proactive and failsafe ranges are required.");
            return errors;
        }

        if (PeriodLength < TimeSpan.FromMinutes(1) || PeriodLength > TimeSpan.FromDays(1) ||
            PeriodLength.Ticks % TimeSpan.TicksPerMinute != 0 || TimeSpan.TicksPerDay % PeriodLength.Ticks != 0)
        {
            errors.Add($"The period length must be whole minutes between 1 minute and 24 hours that divide a day evenly, not {PeriodLength}.");
        }

        if (string.IsNullOrWhiteSpace(TimeZoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out _))
        {
            errors.Add($"The time zone '{TimeZoneId}' is unknown (use an IANA id such as 'Europe/Berlin', or 'UTC').");
        }

        errors.AddRange(ReactiveRange.Validate("reactive range"));
        errors.AddRange(ProactiveRange.Validate("proactive range"));
        errors.AddRange(FailsafeRange.Validate("failsafe range"));
        if (!FailsafeRange.Contains(ReactiveRange))
        {
            errors.Add($"The failsafe range {FailsafeRange} must contain the reactive range {ReactiveRange}.");
        }

        if (!FailsafeRange.Contains(ProactiveRange))
        {
            errors.Add($"The failsafe range {FailsafeRange} must contain the proactive range {ProactiveRange}.");
        }

        if (!Enum.IsDefined(ControllerMode))
        {
            errors.Add($"The controller mode '{(int)ControllerMode}' is unknown (reactive, proactive or autostart).");
        }

        if (!Enum.IsDefined(NetworkMode))
        {
            errors.Add($"The network mode '{(int)NetworkMode}' is unknown (training, predict-only or disabled).");
        }

        if (!Enum.IsDefined(MigrationPriority))
        {
            errors.Add($"The migration priority '{(int)MigrationPriority}' is unknown (low, normal or high).");
        }

        if (!(AutostartAccuracyThreshold is > 0 and <= 1))
        {
            errors.Add($"The autostart accuracy threshold must be above 0 and at most 1, not {Format(AutostartAccuracyThreshold)}.");
        }

        if (AutostartWindow is < 1 or > 1000)
        {
            errors.Add($"The autostart window must be between 1 and 1000 periods, not {AutostartWindow}.");
        }

        if (TrainingDeadline <= TimeSpan.Zero)
        {
            errors.Add($"The training deadline must be positive, not {TrainingDeadline}.");
        }

        if (VmCooldown < TimeSpan.Zero)
        {
            errors.Add($"The VM cooldown must not be negative, not {VmCooldown}.");
        }

        if (HoldDuration < TimeSpan.Zero)
        {
            errors.Add($"The hold duration must not be negative, not {HoldDuration}.");
        }

        if (!(MinimumImprovement is >= 0 and < 1))
        {
            errors.Add($"The minimum improvement must be at least 0 and below 1, not {Format(MinimumImprovement)}.");
        }

        if (MaxMigrationsPerCycle < 1)
        {
            errors.Add($"The cap on migrations per cycle must be at least 1, not {MaxMigrationsPerCycle}.");
        }

        if (MaxMigrationsPerHostPerCycle < 1)
        {
            errors.Add($"The cap on migrations per host per cycle must be at least 1, not {MaxMigrationsPerHostPerCycle}.");
        }

        return errors;
    }

    /// <summary>The host's period calendar (period length and time zone).</summary>
    /// <exception cref="SettingsValidationException">The period length or time zone is invalid.</exception>
    public PeriodCalendar Calendar()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId ?? string.Empty, out var zone))
        {
            throw new SettingsValidationException($"The time zone '{TimeZoneId}' is unknown (use an IANA id such as 'Europe/Berlin', or 'UTC').");
        }

        try
        {
            return new PeriodCalendar(PeriodLength, zone);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new SettingsValidationException(e.Message, e);
        }
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="SettingsValidationException">The settings are invalid.</exception>
    public HostSettings EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new SettingsValidationException(errors);
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
