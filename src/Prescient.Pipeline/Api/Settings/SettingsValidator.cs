using System.Globalization;
using System.Text.RegularExpressions;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>
/// Checks a settings document and returns one clear message per problem, each naming the setting by its path
/// (e.g. <c>hosts.h7.reactiveRange</c>). An empty list means the document is valid.
/// </summary>
public static partial class SettingsValidator
{
    public const int MaxIdLength = 128;

    private static readonly string[] HostAndGlobal =
    [
        "networkMode", "trainingPeriodDays", "keepTrainingIfNotConverged", "controllerMode", "autostartAccuracyThreshold",
        "autostartWindowPeriods", "reactiveRange", "proactiveRange", "failsafeRange", "migrationPriority", "dryRun",
        "cooldownMinutes", "holdPeriods", "minimumImprovement", "maxMovesPerCycle", "maxMovesPerHost",
    ];

    /// <summary>The settings each scope accepts.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> SettingsByScope { get; } = new Dictionary<string, IReadOnlySet<string>>
    {
        ["global"] = new HashSet<string>([.. HostAndGlobal, "autoMigrate", "priority"]),
        ["hosts"] = new HashSet<string>(HostAndGlobal),
        ["vms"] = new HashSet<string>(["autoMigrate", "groupId", "priority", "migrationPriority", "cooldownMinutes"]),
        ["groups"] = new HashSet<string>(["autoMigrate", "priority", "migrationPriority", "cooldownMinutes"]),
        ["dayCategories"] = new HashSet<string>(
            ["controllerMode", "autostartAccuracyThreshold", "reactiveRange", "proactiveRange", "failsafeRange", "dryRun"]),
    };

    public static IReadOnlyList<string> Validate(SettingsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var errors = new List<string>();
        ValidateScope(errors, "global", "global", document.Global);
        ValidateKeyed(errors, "hosts", document.Hosts, IdPattern(), "a host id");
        ValidateKeyed(errors, "vms", document.Vms, IdPattern(), "a VM id");
        ValidateKeyed(errors, "groups", document.Groups, IdPattern(), "a group id");
        ValidateKeyed(errors, "dayCategories", document.DayCategories, CategoryPattern(),
            "a day category name such as 'weekday', 'weekend', 'monday' or 'holiday' (lower-case letters, digits, '-')");

        foreach (var (vmId, vm) in document.Vms ?? new Dictionary<string, SettingsOverrides>())
        {
            if (vm?.GroupId is { } groupId && !IdPattern().IsMatch(groupId))
            {
                errors.Add($"vms.{vmId}.groupId: '{groupId}' is not a valid group id (1-{MaxIdLength} letters, digits, '.', '_', '-', ':').");
            }
        }

        return errors;
    }

    private static void ValidateKeyed(
        List<string> errors, string scope, IReadOnlyDictionary<string, SettingsOverrides>? entries, Regex keyPattern, string keyDescription)
    {
        if (entries is null)
        {
            errors.Add($"{scope}: must be an object (use {{}} for none).");
            return;
        }

        foreach (var (key, overrides) in entries)
        {
            if (!keyPattern.IsMatch(key))
            {
                errors.Add($"{scope}: '{key}' is not {keyDescription}.");
                continue;
            }

            if (overrides is null)
            {
                errors.Add($"{scope}.{key}: must be an object; remove the entry to inherit every setting.");
                continue;
            }

            ValidateScope(errors, scope, $"{scope}.{key}", overrides);
        }
    }

    private static void ValidateScope(List<string> errors, string scope, string path, SettingsOverrides? s)
    {
        if (s is null)
        {
            errors.Add($"{path}: must be an object.");
            return;
        }

        var allowed = SettingsByScope[scope];
        foreach (var name in SetNames(s))
        {
            if (!allowed.Contains(name))
            {
                errors.Add($"{path}.{name}: not a setting of the {ScopeName(scope)} scope; it accepts {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.");
            }
        }

        Range(errors, path, "reactiveRange", s.ReactiveRange);
        Range(errors, path, "proactiveRange", s.ProactiveRange);
        Range(errors, path, "failsafeRange", s.FailsafeRange);
        if (s.FailsafeRange is { } failsafe && s.ProactiveRange is { } proactive && IsRange(failsafe) && IsRange(proactive)
            && (failsafe.Low > proactive.Low || failsafe.High < proactive.High))
        {
            errors.Add($"{path}.failsafeRange: [{F(failsafe.Low)}, {F(failsafe.High)}] must contain the proactive range [{F(proactive.Low)}, {F(proactive.High)}]: the failsafe switches to reactive when the measured workload leaves it.");
        }

        Fraction(errors, path, "autostartAccuracyThreshold", s.AutostartAccuracyThreshold, allowZero: false);
        Fraction(errors, path, "minimumImprovement", s.MinimumImprovement, allowZero: true);
        Integer(errors, path, "autostartWindowPeriods", s.AutostartWindowPeriods, 1, 7 * 72 * 4);
        Integer(errors, path, "trainingPeriodDays", s.TrainingPeriodDays, 1, 365);
        Integer(errors, path, "priority", s.Priority, 0, 100);
        Integer(errors, path, "cooldownMinutes", s.CooldownMinutes, 0, 7 * 24 * 60);
        Integer(errors, path, "holdPeriods", s.HoldPeriods, 0, 72);
        Integer(errors, path, "maxMovesPerCycle", s.MaxMovesPerCycle, 0, 10_000);
        Integer(errors, path, "maxMovesPerHost", s.MaxMovesPerHost, 0, 1_000);
        Defined(errors, path, "networkMode", s.NetworkMode);
        Defined(errors, path, "controllerMode", s.ControllerMode);
        Defined(errors, path, "migrationPriority", s.MigrationPriority);
    }

    private static IEnumerable<string> SetNames(SettingsOverrides s)
    {
        if (s.NetworkMode is not null) yield return "networkMode";
        if (s.TrainingPeriodDays is not null) yield return "trainingPeriodDays";
        if (s.KeepTrainingIfNotConverged is not null) yield return "keepTrainingIfNotConverged";
        if (s.ControllerMode is not null) yield return "controllerMode";
        if (s.AutostartAccuracyThreshold is not null) yield return "autostartAccuracyThreshold";
        if (s.AutostartWindowPeriods is not null) yield return "autostartWindowPeriods";
        if (s.ReactiveRange is not null) yield return "reactiveRange";
        if (s.ProactiveRange is not null) yield return "proactiveRange";
        if (s.FailsafeRange is not null) yield return "failsafeRange";
        if (s.AutoMigrate is not null) yield return "autoMigrate";
        if (s.GroupId is not null) yield return "groupId";
        if (s.Priority is not null) yield return "priority";
        if (s.MigrationPriority is not null) yield return "migrationPriority";
        if (s.DryRun is not null) yield return "dryRun";
        if (s.CooldownMinutes is not null) yield return "cooldownMinutes";
        if (s.HoldPeriods is not null) yield return "holdPeriods";
        if (s.MinimumImprovement is not null) yield return "minimumImprovement";
        if (s.MaxMovesPerCycle is not null) yield return "maxMovesPerCycle";
        if (s.MaxMovesPerHost is not null) yield return "maxMovesPerHost";
    }

    private static string ScopeName(string scope) => scope switch
    {
        "hosts" => "host",
        "vms" => "VM",
        "groups" => "group",
        "dayCategories" => "day-category",
        _ => scope,
    };

    private static bool IsRange(RangeSetting r) => IsFraction(r.Low) && IsFraction(r.High) && r.Low < r.High;

    private static bool IsFraction(double value) => double.IsFinite(value) && value is >= 0 and <= 1;

    private static void Range(List<string> errors, string path, string name, RangeSetting? range)
    {
        if (range is null)
        {
            return;
        }

        if (!IsFraction(range.Low) || !IsFraction(range.High))
        {
            errors.Add($"{path}.{name}: low and high are workload fractions between 0 and 1 (got low {F(range.Low)}, high {F(range.High)}).");
        }
        else if (range.Low >= range.High)
        {
            errors.Add($"{path}.{name}: low ({F(range.Low)}) must be below high ({F(range.High)}).");
        }
    }

    private static void Fraction(List<string> errors, string path, string name, double? value, bool allowZero)
    {
        if (value is { } v && (!IsFraction(v) || (!allowZero && v == 0)))
        {
            errors.Add($"{path}.{name}: must be a fraction {(allowZero ? "from 0" : "above 0")} up to 1 (got {F(v)}).");
        }
    }

    private static void Integer(List<string> errors, string path, string name, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add($"{path}.{name}: must be between {min} and {max} (got {v}).");
        }
    }

    private static void Defined<T>(List<string> errors, string path, string name, T? value)
        where T : struct, Enum
    {
        if (value is { } v && !Enum.IsDefined(v))
        {
            errors.Add($"{path}.{name}: '{v}' is not one of {string.Join(", ", Enum.GetNames<T>())}.");
        }
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9\-]{0,31}$")]
    private static partial Regex CategoryPattern();
}
