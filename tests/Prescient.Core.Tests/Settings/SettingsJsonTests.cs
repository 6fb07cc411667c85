using System.Text;
using Prescient.Core.Calendar;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Settings;

public class SettingsJsonTests
{
    [Fact]
    public void A_document_reads_from_readable_json()
    {
        const string json = """
            {
              // Comments are allowed.
              "global": { "reactiveRange": { "low": 0.2, "high": 0.85 }, "controllerMode": "autostart", "vmCooldown": "00:30:00" },
              "globalByDayCategory": { "1": { "networkMode": "predict-only" } },
              "hosts": { "h1": { "timeZoneId": "Europe/Berlin", "dryRun": true } },
              "vms": { "vm1": { "groupId": "db", "autoMigrate": false } },
              "groups": { "db": { "priority": 3 } },
              "dayCategoryMode": "custom",
              "customDayCategories": { "monday": 0, "tuesday": 0, "wednesday": 0, "thursday": 0, "friday": 0, "saturday": 1, "sunday": 1 },
              "holidays": [ "2026-12-25" ],
              "holidayCategory": 2,
            }
            """;
        var document = SettingsJson.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal([], document.Validate());
        var h1 = document.ResolveHost("h1", 1);
        Assert.Equal(new WorkloadRange(0.2, 0.85), h1.ReactiveRange);
        Assert.Equal(NetworkMode.PredictOnly, h1.NetworkMode);
        Assert.Equal(TimeSpan.FromMinutes(30), h1.VmCooldown);
        Assert.True(h1.DryRun);
        Assert.Equal("Europe/Berlin", h1.Calendar().TimeZone.Id);
        Assert.Equal(new VmSettings(false, "db", 3), document.ResolveVm("vm1"));
        Assert.Equal(2, document.DayCategorizer().CategoryOf(new DateOnly(2026, 12, 25)));
        Assert.Equal(DayCategoryMode.Custom, document.DayCategorizer().Mode);
    }

    [Fact]
    public void A_document_round_trips()
    {
        var document = new SettingsDocument
        {
            Global = new HostSettingsPatch { ProactiveRange = new(0.1, 0.7), NetworkMode = NetworkMode.PredictOnly, HoldDuration = TimeSpan.FromMinutes(40) },
            Hosts = new Dictionary<string, HostSettingsPatch> { ["h1"] = new() { ControllerMode = ControllerModeSetting.Proactive } },
            DayCategoryMode = DayCategoryMode.DayOfWeek,
        };
        var bytes = SettingsJson.Write(document);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"predict-only\"", text, StringComparison.Ordinal);
        Assert.Contains("\"day-of-week\"", text, StringComparison.Ordinal);
        var back = SettingsJson.Read(bytes);
        Assert.Equal(document.ResolveHost("h1"), back.ResolveHost("h1"));
        Assert.Equal(bytes, SettingsJson.Write(back));
    }

    [Theory]
    [InlineData("{\"global\": {\"reactivRange\": {\"low\": 0.1, \"high\": 0.9}}}", "reactivRange")]
    [InlineData("{\"global\": {\"networkMode\": \"sometimes\"}}", "$.global.networkMode")]
    [InlineData("{\"global\": {\"networkMode\": 1}}", "$.global.networkMode")]
    [InlineData("{\"global\": ", "not valid")]
    [InlineData("null", "empty")]
    [InlineData("{\"global\": {\"reactiveRange\": {\"low\": \"0.1\", \"high\": 0.9}}}", "$.global.reactiveRange.low")]
    [InlineData("{\"global\": {\"reactiveRange\": {\"low\": \"NaN\", \"high\": 0.9}}}", "$.global.reactiveRange.low")]
    [InlineData("{\"global\": {\"dryRun\": false, \"dryRun\": true}}", "dryRun")]
    public void Bad_json_is_rejected_clearly(string json, string expected)
    {
        var error = Assert.Throws<SettingsValidationException>(() => SettingsJson.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calendar_settings_are_validated_and_apply_to_all_days_only()
    {
        Assert.Contains((HostSettings.Default with { TimeZoneId = "Mars/Olympus" }).Validate(), e => e.Contains("time zone 'Mars/Olympus' is unknown", StringComparison.Ordinal));
        Assert.Contains((HostSettings.Default with { PeriodLength = TimeSpan.FromMinutes(7) }).Validate(), e => e.Contains("period length", StringComparison.Ordinal));
        Assert.Equal(72, HostSettings.Default.Calendar().PeriodsPerDay);

        var document = new SettingsDocument
        {
            HostsByDayCategory = new Dictionary<string, IReadOnlyDictionary<int, HostSettingsPatch>>
            {
                ["h1"] = new Dictionary<int, HostSettingsPatch> { [1] = new() { PeriodLength = TimeSpan.FromMinutes(30) } },
            },
        };
        Assert.Contains(document.Validate(), e => e == "Host 'h1', day category 1: period length can only be set for all days.");
    }
}
