using System.Text.Json.Serialization;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>A workload range [low, high] as fractions in [0, 1].</summary>
public sealed record RangeSetting(double Low, double High);

/// <summary>Network mode setting (DESIGN.md section 1).</summary>
public enum NetworkModeSetting
{
    Training,
    PredictOnly,
    Disabled,
}

/// <summary>Controller mode setting: fixed reactive, fixed proactive, or autostart (reactive until accurate enough).</summary>
public enum ControllerModeSetting
{
    Reactive,
    Proactive,
    Autostart,
}

/// <summary>Priority of migrations versus other work on the hosts.</summary>
public enum MigrationPrioritySetting
{
    Low,
    Normal,
    High,
}

/// <summary>
/// The settings one scope overrides; null means "inherit". Which settings each scope accepts is listed in
/// <see cref="SettingsValidator"/> (for example a VM scope takes <c>autoMigrate</c>, <c>groupId</c>, <c>priority</c>).
/// </summary>
public sealed record SettingsOverrides
{
    public NetworkModeSetting? NetworkMode { get; init; }

    /// <summary>Days of history a network gets to converge before it is disabled (or keeps training, by setting).</summary>
    public int? TrainingPeriodDays { get; init; }

    public bool? KeepTrainingIfNotConverged { get; init; }

    public ControllerModeSetting? ControllerMode { get; init; }

    /// <summary>Autostart switches to proactive when the mean absolute error over the window is below this.</summary>
    public double? AutostartAccuracyThreshold { get; init; }

    /// <summary>The number of recent periods the autostart accuracy is measured over.</summary>
    public int? AutostartWindowPeriods { get; init; }

    public RangeSetting? ReactiveRange { get; init; }

    public RangeSetting? ProactiveRange { get; init; }

    public RangeSetting? FailsafeRange { get; init; }

    public bool? AutoMigrate { get; init; }

    /// <summary>The move-together group of a VM.</summary>
    public string? GroupId { get; init; }

    /// <summary>Migration order among VMs: lower priority moves first (0..100).</summary>
    public int? Priority { get; init; }

    public MigrationPrioritySetting? MigrationPriority { get; init; }

    /// <summary>Record decisions without moving anything.</summary>
    public bool? DryRun { get; init; }

    public int? CooldownMinutes { get; init; }

    public int? HoldPeriods { get; init; }

    public double? MinimumImprovement { get; init; }

    public int? MaxMovesPerCycle { get; init; }

    public int? MaxMovesPerHost { get; init; }
}

/// <summary>
/// Every setting at every scope: global, per host, per VM, per move-together group, per day category
/// (e.g. <c>weekday</c>, <c>weekend</c>, <c>saturday</c>, <c>holiday</c>). More specific scopes win.
/// </summary>
public sealed record SettingsDocument
{
    public SettingsOverrides Global { get; init; } = new();

    public IReadOnlyDictionary<string, SettingsOverrides> Hosts { get; init; } = new Dictionary<string, SettingsOverrides>();

    public IReadOnlyDictionary<string, SettingsOverrides> Vms { get; init; } = new Dictionary<string, SettingsOverrides>();

    public IReadOnlyDictionary<string, SettingsOverrides> Groups { get; init; } = new Dictionary<string, SettingsOverrides>();

    public IReadOnlyDictionary<string, SettingsOverrides> DayCategories { get; init; } = new Dictionary<string, SettingsOverrides>();

    /// <summary>The document a fresh installation starts from: the defaults of DESIGN.md section 1.</summary>
    [JsonIgnore]
    public static SettingsDocument Defaults { get; } = new()
    {
        Global = new SettingsOverrides
        {
            NetworkMode = NetworkModeSetting.Training,
            TrainingPeriodDays = 14,
            KeepTrainingIfNotConverged = false,
            ControllerMode = ControllerModeSetting.Autostart,
            AutostartAccuracyThreshold = 0.05,
            AutostartWindowPeriods = 72,
            ReactiveRange = new RangeSetting(0.15, 0.80),
            ProactiveRange = new RangeSetting(0.20, 0.75),
            FailsafeRange = new RangeSetting(0.05, 0.90),
            AutoMigrate = true,
            Priority = 50,
            MigrationPriority = MigrationPrioritySetting.Normal,
            DryRun = false,
            CooldownMinutes = 60,
            HoldPeriods = 1,
            MinimumImprovement = 0.05,
            MaxMovesPerCycle = 10,
            MaxMovesPerHost = 2,
        },
    };
}

/// <summary>A settings document with the ETag of its stored version.</summary>
public sealed record VersionedSettings(SettingsDocument Document, string ETag);

/// <summary>One audited change: when, who, the version it replaced, and each changed setting (<c>path: old -> new</c>).</summary>
public sealed record SettingsAuditEntry(
    DateTimeOffset At,
    string Actor,
    string PreviousETag,
    IReadOnlyList<string> Changes);

/// <summary>What a conditional save did: saved (with the new ETag), or refused as stale (with the current ETag).</summary>
public sealed record SettingsSaveResult(bool Saved, string ETag);
