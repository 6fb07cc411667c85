using Prescient.Core.Calendar;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Settings;

public class SettingsTests
{
    [Fact]
    public void Defaults_follow_the_patent_and_are_valid()
    {
        var settings = HostSettings.Default;
        Assert.Equal(new WorkloadRange(0.15, 0.80), settings.ReactiveRange);
        Assert.True(settings.FailsafeRange.Contains(settings.ReactiveRange));
        Assert.True(settings.FailsafeRange.Contains(settings.ProactiveRange));
        Assert.Empty(settings.Validate());
        Assert.Empty(SettingsDocument.Empty.Validate());
    }

    public static TheoryData<HostSettings, string> InvalidSettings => new()
    {
        { HostSettings.Default with { ReactiveRange = new(0.8, 0.15) }, "reactive range [0.8, 0.15] must have low < high" },
        { HostSettings.Default with { ProactiveRange = new(0.2, 0.2) }, "proactive range [0.2, 0.2] must have low < high" },
        { HostSettings.Default with { ReactiveRange = new(-0.1, 0.8) }, "within [0, 1]" },
        { HostSettings.Default with { FailsafeRange = new(0.05, 80) }, "failsafe range [0.05, 80] must lie within [0, 1]" },
        { HostSettings.Default with { FailsafeRange = new(0.2, 0.95) }, "must contain the reactive range" },
        { HostSettings.Default with { FailsafeRange = new(0.05, 0.7) }, "must contain the proactive range" },
        { HostSettings.Default with { ControllerMode = (ControllerModeSetting)9 }, "controller mode" },
        { HostSettings.Default with { NetworkMode = (NetworkMode)9 }, "network mode" },
        { HostSettings.Default with { MigrationPriority = (MigrationPriority)9 }, "migration priority" },
        { HostSettings.Default with { AutostartAccuracyThreshold = 0 }, "autostart accuracy threshold" },
        { HostSettings.Default with { AutostartAccuracyThreshold = double.NaN }, "autostart accuracy threshold" },
        { HostSettings.Default with { AutostartWindow = 0 }, "autostart window" },
        { HostSettings.Default with { TrainingDeadline = TimeSpan.Zero }, "training deadline" },
        { HostSettings.Default with { VmCooldown = TimeSpan.FromMinutes(-1) }, "VM cooldown" },
        { HostSettings.Default with { HoldDuration = TimeSpan.FromMinutes(-1) }, "hold duration" },
        { HostSettings.Default with { MinimumImprovement = -0.1 }, "minimum improvement" },
        { HostSettings.Default with { MaxMigrationsPerCycle = 0 }, "per cycle" },
        { HostSettings.Default with { MaxMigrationsPerHostPerCycle = 0 }, "per host per cycle" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Every_setting_is_validated(HostSettings settings, string expected)
    {
        var errors = settings.Validate();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        var error = Assert.Throws<SettingsValidationException>(() => settings.EnsureValid());
        Assert.Equal(errors, error.Errors);
    }

    [Fact]
    public void All_errors_are_returned_together()
    {
        var settings = HostSettings.Default with { ReactiveRange = new(0.9, 0.1), AutostartWindow = 0, MaxMigrationsPerCycle = 0 };
        Assert.True(settings.Validate().Count >= 3);
    }

    [Fact]
    public void Narrower_scopes_win()
    {
        var document = new SettingsDocument
        {
            Global = new HostSettingsPatch { ReactiveRange = new(0.2, 0.85), DryRun = true },
            GlobalByDayCategory = new Dictionary<int, HostSettingsPatch> { [1] = new() { ProactiveRange = new(0.1, 0.6) } },
            Hosts = new Dictionary<string, HostSettingsPatch> { ["h1"] = new() { ControllerMode = ControllerModeSetting.Reactive } },
            HostsByDayCategory = new Dictionary<string, IReadOnlyDictionary<int, HostSettingsPatch>>
            {
                ["h1"] = new Dictionary<int, HostSettingsPatch> { [1] = new() { ProactiveRange = new(0.2, 0.7) } },
            },
        };
        Assert.Empty(document.Validate());

        var global = document.ResolveHost("other");
        Assert.Equal(new WorkloadRange(0.2, 0.85), global.ReactiveRange);
        Assert.True(global.DryRun);
        Assert.Equal(HostSettings.Default.ProactiveRange, global.ProactiveRange);
        Assert.Equal(new WorkloadRange(0.1, 0.6), document.ResolveHost("other", 1).ProactiveRange);

        var weekend = document.ResolveHost("h1", 1);
        Assert.Equal(ControllerModeSetting.Reactive, weekend.ControllerMode);
        Assert.Equal(new WorkloadRange(0.2, 0.7), weekend.ProactiveRange);
        Assert.Equal(new WorkloadRange(0.2, 0.85), weekend.ReactiveRange);
        Assert.Equal(HostSettings.Default.ProactiveRange, document.ResolveHost("h1", 0).ProactiveRange);
    }

    [Fact]
    public void Document_validation_names_the_scope_of_each_problem()
    {
        var document = new SettingsDocument
        {
            Global = new HostSettingsPatch { FailsafeRange = new(0.2, 0.9) },
            Hosts = new Dictionary<string, HostSettingsPatch> { ["h1"] = new() { ReactiveRange = new(0.15, 0.1) } },
            HostsByDayCategory = new Dictionary<string, IReadOnlyDictionary<int, HostSettingsPatch>>
            {
                ["h2"] = new Dictionary<int, HostSettingsPatch> { [5] = new() },
            },
        };
        var errors = document.Validate();
        Assert.Contains(errors, e => e.StartsWith("Global: The failsafe range [0.2, 0.9] must contain the reactive range", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Host 'h1': The reactive range [0.15, 0.1] must have low < high", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Host 'h2': day category 5 does not exist", StringComparison.Ordinal));
        Assert.Throws<SettingsValidationException>(() => document.ResolveHost("h1"));
        Assert.Throws<SettingsValidationException>(() => document.EnsureValid());
    }

    [Fact]
    public void Vm_settings_resolve_through_the_group()
    {
        var document = new SettingsDocument
        {
            Groups = new Dictionary<string, GroupSettingsPatch> { ["db"] = new() { AutoMigrate = false, Priority = 5 } },
            Vms = new Dictionary<string, VmSettingsPatch>
            {
                ["vm1"] = new() { GroupId = "db" },
                ["vm2"] = new() { GroupId = "db", AutoMigrate = true },
            },
        };
        Assert.Equal(new VmSettings(false, "db", 5), document.ResolveVm("vm1"));
        Assert.Equal(new VmSettings(true, "db", 5), document.ResolveVm("vm2"));
        Assert.Equal(VmSettings.Default, document.ResolveVm("vm3"));
    }

    [Fact]
    public void Day_category_settings_build_the_categorizer()
    {
        Assert.Equal(DayCategoryMode.WeekdayWeekend, SettingsDocument.Empty.DayCategorizer().Mode);
        var custom = new SettingsDocument
        {
            DayCategoryMode = DayCategoryMode.Custom,
            CustomDayCategories = Enum.GetValues<DayOfWeek>().ToDictionary(d => d, d => d == DayOfWeek.Sunday ? 1 : 0),
            Holidays = [new DateOnly(2026, 12, 25)],
            HolidayCategory = 2,
        };
        Assert.Equal(3, custom.DayCategorizer().CategoryCount);
        Assert.Empty(custom.Validate());

        var wrong = new SettingsDocument { Holidays = [new DateOnly(2026, 12, 25)] };
        Assert.Contains(wrong.Validate(), e => e.Contains("only to the custom", StringComparison.Ordinal));
    }
}
