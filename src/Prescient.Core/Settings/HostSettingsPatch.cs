namespace Prescient.Core.Settings;

/// <summary>
/// Host settings given at one scope: null means "not set here" (inherit from the wider scope).
/// </summary>
public sealed record HostSettingsPatch
{
    /// <inheritdoc cref="HostSettings.PeriodLength"/>
    public TimeSpan? PeriodLength { get; init; }

    /// <inheritdoc cref="HostSettings.TimeZoneId"/>
    public string? TimeZoneId { get; init; }

    /// <inheritdoc cref="HostSettings.ReactiveRange"/>
    public WorkloadRange? ReactiveRange { get; init; }

    /// <inheritdoc cref="HostSettings.ProactiveRange"/>
    public WorkloadRange? ProactiveRange { get; init; }

    /// <inheritdoc cref="HostSettings.FailsafeRange"/>
    public WorkloadRange? FailsafeRange { get; init; }

    /// <inheritdoc cref="HostSettings.ControllerMode"/>
    public ControllerModeSetting? ControllerMode { get; init; }

    /// <inheritdoc cref="HostSettings.AutostartAccuracyThreshold"/>
    public double? AutostartAccuracyThreshold { get; init; }

    /// <inheritdoc cref="HostSettings.AutostartWindow"/>
    public int? AutostartWindow { get; init; }

    /// <inheritdoc cref="HostSettings.NetworkMode"/>
    public NetworkMode? NetworkMode { get; init; }

    /// <inheritdoc cref="HostSettings.NetworkPerDayCategory"/>
    public bool? NetworkPerDayCategory { get; init; }

    /// <inheritdoc cref="HostSettings.TrainingDeadline"/>
    public TimeSpan? TrainingDeadline { get; init; }

    /// <inheritdoc cref="HostSettings.KeepTrainingAfterDeadline"/>
    public bool? KeepTrainingAfterDeadline { get; init; }

    /// <inheritdoc cref="HostSettings.VmCooldown"/>
    public TimeSpan? VmCooldown { get; init; }

    /// <inheritdoc cref="HostSettings.HoldDuration"/>
    public TimeSpan? HoldDuration { get; init; }

    /// <inheritdoc cref="HostSettings.MinimumImprovement"/>
    public double? MinimumImprovement { get; init; }

    /// <inheritdoc cref="HostSettings.MaxMigrationsPerCycle"/>
    public int? MaxMigrationsPerCycle { get; init; }

    /// <inheritdoc cref="HostSettings.MaxMigrationsPerHostPerCycle"/>
    public int? MaxMigrationsPerHostPerCycle { get; init; }

    /// <inheritdoc cref="HostSettings.MigrationPriority"/>
    public MigrationPriority? MigrationPriority { get; init; }

    /// <inheritdoc cref="HostSettings.DryRun"/>
    public bool? DryRun { get; init; }

    /// <inheritdoc cref="HostSettings.ProactiveChecksMeasured"/>
    public bool? ProactiveChecksMeasured { get; init; }

    /// <summary>Names of the settings set here that only make sense for all days (empty when none).</summary>
    public IReadOnlyList<string> AllDaysOnlySettings()
    {
        var names = new List<string>();
        if (PeriodLength is not null)
        {
            names.Add("period length");
        }

        if (TimeZoneId is not null)
        {
            names.Add("time zone");
        }

        if (NetworkPerDayCategory is not null)
        {
            names.Add("network per day category");
        }

        if (TrainingDeadline is not null)
        {
            names.Add("training deadline");
        }

        return names;
    }

    /// <summary>Applies the values set here on top of <paramref name="settings"/>.</summary>
    public HostSettings ApplyTo(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with
        {
            PeriodLength = PeriodLength ?? settings.PeriodLength,
            TimeZoneId = TimeZoneId ?? settings.TimeZoneId,
            ReactiveRange = ReactiveRange ?? settings.ReactiveRange,
            ProactiveRange = ProactiveRange ?? settings.ProactiveRange,
            FailsafeRange = FailsafeRange ?? settings.FailsafeRange,
            ControllerMode = ControllerMode ?? settings.ControllerMode,
            AutostartAccuracyThreshold = AutostartAccuracyThreshold ?? settings.AutostartAccuracyThreshold,
            AutostartWindow = AutostartWindow ?? settings.AutostartWindow,
            NetworkMode = NetworkMode ?? settings.NetworkMode,
            NetworkPerDayCategory = NetworkPerDayCategory ?? settings.NetworkPerDayCategory,
            TrainingDeadline = TrainingDeadline ?? settings.TrainingDeadline,
            KeepTrainingAfterDeadline = KeepTrainingAfterDeadline ?? settings.KeepTrainingAfterDeadline,
            VmCooldown = VmCooldown ?? settings.VmCooldown,
            HoldDuration = HoldDuration ?? settings.HoldDuration,
            MinimumImprovement = MinimumImprovement ?? settings.MinimumImprovement,
            MaxMigrationsPerCycle = MaxMigrationsPerCycle ?? settings.MaxMigrationsPerCycle,
            MaxMigrationsPerHostPerCycle = MaxMigrationsPerHostPerCycle ?? settings.MaxMigrationsPerHostPerCycle,
            MigrationPriority = MigrationPriority ?? settings.MigrationPriority,
            DryRun = DryRun ?? settings.DryRun,
            ProactiveChecksMeasured = ProactiveChecksMeasured ?? settings.ProactiveChecksMeasured,
        };
    }
}
