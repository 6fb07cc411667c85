using Prescient.Core.Calendar;

namespace Prescient.Core.Settings;

/// <summary>
/// Everything a user can set, at every scope. Host settings resolve as defaults, then global, then global for the
/// day category, then the host, then the host for the day category (the narrowest scope wins). VM settings resolve
/// as defaults, then the VM's group, then the VM.
/// </summary>
public sealed record SettingsDocument
{
    /// <summary>An empty document: every host and VM gets the defaults.</summary>
    public static SettingsDocument Empty { get; } = new();

    /// <summary>Settings for every host, all days.</summary>
    public HostSettingsPatch Global { get; init; } = new();

    /// <summary>Settings for every host on days of a category (key: day category).</summary>
    public IReadOnlyDictionary<int, HostSettingsPatch> GlobalByDayCategory { get; init; } = new Dictionary<int, HostSettingsPatch>();

    /// <summary>Settings per host, all days (key: host id).</summary>
    public IReadOnlyDictionary<string, HostSettingsPatch> Hosts { get; init; } = new Dictionary<string, HostSettingsPatch>();

    /// <summary>Settings per host and day category (keys: host id, then day category).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, HostSettingsPatch>> HostsByDayCategory { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<int, HostSettingsPatch>>();

    /// <summary>Settings per move-together group (key: group id).</summary>
    public IReadOnlyDictionary<string, GroupSettingsPatch> Groups { get; init; } = new Dictionary<string, GroupSettingsPatch>();

    /// <summary>Settings per VM (key: VM id).</summary>
    public IReadOnlyDictionary<string, VmSettingsPatch> Vms { get; init; } = new Dictionary<string, VmSettingsPatch>();

    /// <summary>How dates map to day categories.</summary>
    public DayCategoryMode DayCategoryMode { get; init; } = DayCategoryMode.WeekdayWeekend;

    /// <summary>For <see cref="DayCategoryMode.Custom"/>: the category of each day of the week.</summary>
    public IReadOnlyDictionary<DayOfWeek, int>? CustomDayCategories { get; init; }

    /// <summary>For <see cref="DayCategoryMode.Custom"/>: dates that take <see cref="HolidayCategory"/>.</summary>
    public IReadOnlyList<DateOnly>? Holidays { get; init; }

    /// <summary>For <see cref="DayCategoryMode.Custom"/>: the holidays' category.</summary>
    public int? HolidayCategory { get; init; }

    /// <summary>The day categorizer these settings describe.</summary>
    /// <exception cref="SettingsValidationException">The day category settings are invalid.</exception>
    public DayCategorizer DayCategorizer()
    {
        var errors = ValidateDayCategories();
        if (errors.Count > 0)
        {
            throw new SettingsValidationException(errors);
        }

        return DayCategoryMode == DayCategoryMode.Custom
            ? Calendar.DayCategorizer.Custom(CustomDayCategories!, Holidays, HolidayCategory)
            : Calendar.DayCategorizer.For(DayCategoryMode);
    }

    /// <summary>The effective, valid settings of <paramref name="hostId"/> on days of <paramref name="dayCategory"/> (null: all days).</summary>
    /// <exception cref="SettingsValidationException">The effective settings are invalid.</exception>
    public HostSettings ResolveHost(string hostId, int? dayCategory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var settings = ResolveUnchecked(hostId, dayCategory);
        var errors = settings.Validate();
        return errors.Count == 0
            ? settings
            : throw new SettingsValidationException([.. errors.Select(e => Scope(hostId, dayCategory) + e)]);
    }

    /// <summary>The effective settings of <paramref name="vmId"/>.</summary>
    public VmSettings ResolveVm(string vmId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vmId);
        var vm = Vms.GetValueOrDefault(vmId);
        var groupId = vm?.GroupId;
        var group = groupId is null ? null : Groups.GetValueOrDefault(groupId);
        return new VmSettings(
            vm?.AutoMigrate ?? group?.AutoMigrate ?? VmSettings.Default.AutoMigrate,
            groupId,
            vm?.Priority ?? group?.Priority ?? VmSettings.Default.Priority);
    }

    /// <summary>
    /// Every problem in the document, as clear messages naming the scope (empty when valid): each scope's
    /// effective settings are checked, as well as day category keys and ids.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Global is null || GlobalByDayCategory is null || Hosts is null || HostsByDayCategory is null ||
            Groups is null || Vms is null)
        {
            errors.Add("A settings section is null; omit it instead.");
            return errors;
        }

        var dayErrors = ValidateDayCategories();
        errors.AddRange(dayErrors);
        var categoryCount = dayErrors.Count == 0 ? DayCategorizer().CategoryCount : int.MaxValue;

        void CheckCategories(string scope, IEnumerable<int> categories)
        {
            foreach (var category in categories.Where(c => c < 0 || c >= categoryCount))
            {
                errors.Add($"{scope}day category {category} does not exist (categories are 0 to {categoryCount - 1} for {DayCategoryMode}).");
            }
        }

        void CheckResolved(string? hostId, int? category)
        {
            errors.AddRange(ResolveUnchecked(hostId, category).Validate().Select(e => Scope(hostId, category) + e));
        }

        void CheckAllDaysOnly(string scope, IReadOnlyDictionary<int, HostSettingsPatch>? byCategory)
        {
            foreach (var (category, patch) in byCategory ?? new Dictionary<int, HostSettingsPatch>())
            {
                var names = patch?.AllDaysOnlySettings() ?? [];
                if (names.Count > 0)
                {
                    errors.Add($"{scope}day category {category}: {string.Join(", ", names)} can only be set for all days.");
                }
            }
        }

        CheckCategories("Global: ", GlobalByDayCategory.Keys);
        CheckAllDaysOnly("Global, ", GlobalByDayCategory);
        CheckResolved(null, null);
        foreach (var category in GlobalByDayCategory.Keys.Order())
        {
            CheckResolved(null, category);
        }

        foreach (var hostId in Hosts.Keys.Union(HostsByDayCategory.Keys).Order(StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(hostId))
            {
                errors.Add("A host id is empty.");
                continue;
            }

            var own = HostsByDayCategory.GetValueOrDefault(hostId);
            if (own is null && HostsByDayCategory.ContainsKey(hostId))
            {
                errors.Add($"Host '{hostId}': the day category section is null; omit it instead.");
                continue;
            }

            CheckCategories($"Host '{hostId}': ", own?.Keys ?? []);
            CheckAllDaysOnly($"Host '{hostId}', ", own);
            CheckResolved(hostId, null);
            foreach (var category in GlobalByDayCategory.Keys.Union(own?.Keys ?? []).Order())
            {
                CheckResolved(hostId, category);
            }
        }

        foreach (var (groupId, group) in Groups)
        {
            if (string.IsNullOrWhiteSpace(groupId))
            {
                errors.Add("A group id is empty.");
            }

            if (group is null)
            {
                errors.Add($"Group '{groupId}': its settings are null; omit them instead.");
            }
        }

        foreach (var (vmId, vm) in Vms)
        {
            if (string.IsNullOrWhiteSpace(vmId))
            {
                errors.Add("A VM id is empty.");
            }

            if (vm is null)
            {
                errors.Add($"VM '{vmId}': its settings are null; omit them instead.");
            }
            else if (vm.GroupId is not null && string.IsNullOrWhiteSpace(vm.GroupId))
            {
                errors.Add($"VM '{vmId}': the group id is blank; omit it for no group.");
            }
        }

        return errors;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="SettingsValidationException">The document is invalid.</exception>
    public SettingsDocument EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new SettingsValidationException(errors);
    }

    private IReadOnlyList<string> ValidateDayCategories()
    {
        if (!Enum.IsDefined(DayCategoryMode))
        {
            return [$"The day category mode '{(int)DayCategoryMode}' is unknown (none, weekday-weekend, day-of-week or custom)."];
        }

        if (DayCategoryMode != DayCategoryMode.Custom)
        {
            return CustomDayCategories is null && Holidays is null && HolidayCategory is null
                ? []
                : [$"Custom day categories and holidays apply only to the custom day category mode, not {DayCategoryMode}."];
        }

        return Calendar.DayCategorizer.ValidateCustom(CustomDayCategories, Holidays, HolidayCategory);
    }

    private HostSettings ResolveUnchecked(string? hostId, int? dayCategory)
    {
        var settings = (Global ?? new HostSettingsPatch()).ApplyTo(HostSettings.Default);
        if (dayCategory is { } c && GlobalByDayCategory.TryGetValue(c, out var globalDay) && globalDay is not null)
        {
            settings = globalDay.ApplyTo(settings);
        }

        if (hostId is null)
        {
            return settings;
        }

        if (Hosts.TryGetValue(hostId, out var host) && host is not null)
        {
            settings = host.ApplyTo(settings);
        }

        if (dayCategory is { } d && HostsByDayCategory.TryGetValue(hostId, out var byDay) && byDay is not null &&
            byDay.TryGetValue(d, out var hostDay) && hostDay is not null)
        {
            settings = hostDay.ApplyTo(settings);
        }

        return settings;
    }

    private static string Scope(string? hostId, int? dayCategory) => (hostId, dayCategory) switch
    {
        (null, null) => "Global: ",
        (null, { } c) => $"Global, day category {c}: ",
        ({ } h, null) => $"Host '{h}': ",
        ({ } h, { } c) => $"Host '{h}', day category {c}: ",
    };
}
