using System.Net;
using System.Text.Json;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Functions.Tests;

/// <summary>/api/settings through the ApiSettings function, with the settings document stored in Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SettingsApiAzuriteTests(AzuriteFixture azurite)
{
    private static SettingsDocument WithHostRange(SettingsDocument document, string hostId, double low, double high) =>
        document with
        {
            Hosts = new Dictionary<string, SettingsOverrides>(document.Hosts)
            {
                [hostId] = new() { ReactiveRange = new RangeSetting(low, high), ControllerMode = ControllerModeSetting.Proactive },
            },
        };

    private static SettingsDocument Read(HttpAnswer answer) =>
        JsonSerializer.Deserialize<SettingsDocument>(answer.Json.GetProperty("document").GetRawText(), ApiJson.Options)!;

    [Fact]
    public async Task Get_returns_the_defaults_and_an_etag_before_anything_is_saved()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/settings");

        Assert.Equal(200, answer.Status);
        Assert.Equal(ISettingsRepository.InitialETag, answer.ETag);
        Assert.Equal(0.15, answer.Json.GetProperty("document").GetProperty("global").GetProperty("reactiveRange").GetProperty("low").GetDouble());
        Assert.Equal("autostart", answer.Json.GetProperty("document").GetProperty("global").GetProperty("controllerMode").GetString());
        Assert.Contains("autoMigrate", answer.Json.GetProperty("settingsByScope").GetProperty("vms").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_valid_change_at_every_scope_is_saved_with_a_new_etag_and_audited()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");
        var document = WithHostRange(Read(first), "h1", 0.2, 0.85) with
        {
            Vms = new Dictionary<string, SettingsOverrides> { ["vm7"] = new() { AutoMigrate = false, GroupId = "db", Priority = 5 } },
            Groups = new Dictionary<string, SettingsOverrides> { ["db"] = new() { Priority = 80 } },
            DayCategories = new Dictionary<string, SettingsOverrides> { ["weekend"] = new() { ProactiveRange = new RangeSetting(0.1, 0.7) } },
        };

        var put = await app.CallAsync("PUT", "/api/settings", document, headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)]);

        Assert.Equal(200, put.Status);
        Assert.NotEqual(first.ETag, put.ETag);
        var changes = put.Json.GetProperty("changes").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("hosts.h1.reactiveRange: (inherit) -> [0.2, 0.85]", changes);
        Assert.Contains("vms.vm7.autoMigrate: (inherit) -> false", changes);
        Assert.Contains("groups.db.priority: (inherit) -> 80", changes);
        Assert.Contains("dayCategories.weekend.proactiveRange: (inherit) -> [0.1, 0.7]", changes);

        var again = await app.GetAsync("/api/settings");
        Assert.Equal(put.ETag, again.ETag);
        Assert.Equal(document.Hosts["h1"], Read(again).Hosts["h1"]);
        Assert.Equal(document.Vms["vm7"], Read(again).Vms["vm7"]);

        var audit = await app.GetAsync("/api/settings/audit");
        var entry = Assert.Single(audit.Json.EnumerateArray());
        Assert.Equal("function-key", entry.GetProperty("actor").GetString());
        Assert.Equal(first.ETag, entry.GetProperty("previousETag").GetString());
        Assert.Equal(changes.Count, entry.GetProperty("changes").GetArrayLength());
    }

    [Fact]
    public async Task A_change_without_credentials_is_refused_with_401_and_changes_nothing()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");
        var put = await app.CallAsync("PUT", "/api/settings", WithHostRange(Read(first), "h1", 0.2, 0.85), headers: [("If-Match", first.ETag!)]);

        Assert.Equal(401, put.Status);
        Assert.Equal("unauthorized", put.Json.GetProperty("error").GetString());
        Assert.Equal("Bearer", put.Headers.WWWAuthenticate.ToString());
        var (current, audit) = await app.StoredSettingsAsync();
        Assert.Equal(ISettingsRepository.InitialETag, current.ETag);
        Assert.Empty(audit);
    }

    [Fact]
    public async Task Reading_settings_without_credentials_is_refused_in_Azure()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.CallAsync("GET", "/api/settings");
        Assert.Equal(401, answer.Status);
        Assert.DoesNotContain("document", answer.Body, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InvalidDocuments => new()
    {
        { """{"global":{"reactiveRange":{"low":0.9,"high":0.2}}}""", "global.reactiveRange: low (0.9) must be below high (0.2)." },
        { """{"hosts":{"h1":{"proactiveRange":{"low":-0.1,"high":1.5}}}}""", "hosts.h1.proactiveRange: low and high are workload fractions between 0 and 1 (got low -0.1, high 1.5)." },
        { """{"vms":{"vm1":{"reactiveRange":{"low":0.1,"high":0.5}}}}""", "vms.vm1.reactiveRange: not a setting of the VM scope; it accepts autoMigrate, cooldownMinutes, groupId, migrationPriority, priority." },
        { """{"hosts":{"h1":{"failsafeRange":{"low":0.3,"high":0.9},"proactiveRange":{"low":0.2,"high":0.7}}}}""", "hosts.h1.failsafeRange: [0.3, 0.9] must contain the proactive range [0.2, 0.7]: the failsafe switches to reactive when the measured workload leaves it." },
        { """{"global":{"autostartAccuracyThreshold":0}}""", "global.autostartAccuracyThreshold: must be a fraction above 0 up to 1 (got 0)." },
        { """{"vms":{"vm1":{"priority":101}}}""", "vms.vm1.priority: must be between 0 and 100 (got 101)." },
        { """{"dayCategories":{"Week End":{"dryRun":true}}}""", "dayCategories: 'Week End' is not a day category name such as 'weekday', 'weekend', 'monday' or 'holiday' (lower-case letters, digits, '-')." },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public async Task An_invalid_document_is_refused_with_400_naming_the_setting_and_changes_nothing(string body, string expectedDetail)
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");

        var put = await app.CallAsync("PUT", "/api/settings", rawBody: body, headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)]);

        Assert.Equal(400, put.Status);
        Assert.Equal("invalid-request", put.Json.GetProperty("error").GetString());
        Assert.Contains("nothing was changed", put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(expectedDetail, put.Details);
        var (current, audit) = await app.StoredSettingsAsync();
        Assert.Equal(first.ETag, current.ETag);
        Assert.Empty(audit);
    }

    [Theory]
    [InlineData("""{"global":{"controllerMode":"sometimes"}}""", "$.global.controllerMode")]
    [InlineData("""{"global":{"reactiveRang":{"low":0.1,"high":0.5}}}""", "reactiveRang")]
    [InlineData("""{"global":{"reactiveRange":{"low":0.1,"high":0.5}}""", "not valid")]
    [InlineData("", "empty")]
    public async Task Malformed_json_unknown_settings_and_bad_enum_values_are_400_with_the_place(string body, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings", rawBody: body, headers: [TestApp.FunctionKey, ("If-Match", ISettingsRepository.InitialETag)]);

        Assert.Equal(400, put.Status);
        Assert.Contains(expected, put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(ISettingsRepository.InitialETag, (await app.StoredSettingsAsync()).Current.ETag);
    }

    [Fact]
    public async Task A_stale_etag_is_refused_with_409_and_the_other_change_is_kept()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");
        var mine = WithHostRange(Read(first), "h1", 0.2, 0.85);
        var theirs = WithHostRange(Read(first), "h1", 0.3, 0.9);

        var winner = await app.CallAsync("PUT", "/api/settings", theirs, headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)]);
        var loser = await app.CallAsync("PUT", "/api/settings", mine, headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)]);

        Assert.Equal(200, winner.Status);
        Assert.Equal(409, loser.Status);
        Assert.Equal("stale-etag", loser.Json.GetProperty("error").GetString());
        Assert.Equal(winner.ETag, loser.ETag);
        var (current, audit) = await app.StoredSettingsAsync();
        Assert.Equal(winner.ETag, current.ETag);
        Assert.Equal(new RangeSetting(0.3, 0.9), current.Document.Hosts["h1"].ReactiveRange);
        Assert.Single(audit);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_one_wins_one_gets_409()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            app.CallAsync("PUT", "/api/settings", WithHostRange(Read(first), "h1", 0.1 + (0.01 * i), 0.85), headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)])));

        Assert.Equal(1, answers.Count(a => a.Status == 200));
        Assert.Equal(3, answers.Count(a => a.Status == 409));
        Assert.Single((await app.StoredSettingsAsync()).Audit);
    }

    [Fact]
    public async Task A_change_without_if_match_is_refused_with_428()
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings", SettingsDocument.Defaults, headers: [TestApp.FunctionKey]);
        Assert.Equal(428, put.Status);
        Assert.Contains("If-Match", put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await app.StoredSettingsAsync()).Audit);
    }

    [Fact]
    public async Task Saving_the_same_document_changes_nothing_and_adds_no_audit_entry()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = await app.GetAsync("/api/settings");
        var put = await app.CallAsync("PUT", "/api/settings", Read(first), headers: [TestApp.FunctionKey, ("If-Match", first.ETag!)]);
        Assert.Equal(200, put.Status);
        Assert.Equal(first.ETag, put.ETag);
        Assert.Empty((await app.StoredSettingsAsync()).Audit);
    }

    [Fact]
    public async Task Dry_run_is_switched_through_the_decisions_route_and_audited()
    {
        var app = TestApp.OnAzurite(azurite);
        Assert.False((await app.GetAsync("/api/decisions")).Json.GetProperty("dryRun").GetBoolean());

        var refused = await app.CallAsync("PUT", "/api/decisions/dry-run", new DryRunSetting(true));
        Assert.Equal(401, refused.Status);
        Assert.Empty((await app.StoredSettingsAsync()).Audit);

        var missing = await app.CallAsync("PUT", "/api/decisions/dry-run", rawBody: "{}", headers: [TestApp.FunctionKey]);
        Assert.Equal(400, missing.Status);
        Assert.Contains("enabled", missing.Json.GetProperty("message").GetString(), StringComparison.Ordinal);

        var on = await app.CallAsync("PUT", "/api/decisions/dry-run", new DryRunSetting(true), headers: [TestApp.FunctionKey]);
        Assert.Equal(200, on.Status);
        Assert.True(on.Json.GetProperty("enabled").GetBoolean());
        Assert.True((await app.GetAsync("/api/decisions")).Json.GetProperty("dryRun").GetBoolean());
        Assert.True((await app.GetAsync("/api/decisions/dry-run")).Json.GetProperty("enabled").GetBoolean());

        var (current, audit) = await app.StoredSettingsAsync();
        Assert.True(current.Document.Global.DryRun);
        Assert.Equal(["global.dryRun: false -> true"], Assert.Single(audit).Changes);

        var stale = await app.CallAsync("PUT", "/api/decisions/dry-run", new DryRunSetting(false), headers: [TestApp.FunctionKey, ("If-Match", ISettingsRepository.InitialETag)]);
        Assert.Equal((int)HttpStatusCode.Conflict, stale.Status);
        Assert.True((await app.StoredSettingsAsync()).Current.Document.Global.DryRun);
    }
}
