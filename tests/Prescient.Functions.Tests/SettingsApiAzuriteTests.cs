using System.Net;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Functions.Tests;

/// <summary>/api/settings through the ApiSettings function, over the pipeline's settings store on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SettingsApiAzuriteTests(AzuriteFixture azurite)
{
    private static readonly (string, string) Key = TestApp.FunctionKey;

    private static (string, string) IfMatch(string etag) => ("If-Match", etag);

    [Fact]
    public async Task Get_returns_the_document_an_etag_and_the_scope_routes_before_anything_is_saved()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/settings");

        Assert.Equal(200, answer.Status);
        Assert.Equal(SettingsHandler.InitialETag, answer.ETag);
        Assert.Equal(SettingsHandler.InitialETag, answer.Json.GetProperty("eTag").GetString());
        Assert.Equal("weekdayWeekend", answer.Json.GetProperty("document").GetProperty("dayCategoryMode").GetString());
        Assert.Contains("hosts/{hostId}/days/{category}", answer.Json.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Every_scope_can_be_changed_read_back_and_is_audited_with_each_changed_setting()
    {
        var app = TestApp.OnAzurite(azurite);
        var etag = (await app.GetAsync("/api/settings")).ETag!;
        var changes = new List<string>();
        (string Route, string Body)[] edits =
        [
            ("global", """{"reactiveRange":{"low":0.1,"high":0.85},"controllerMode":"autostart","autostartAccuracyThreshold":0.04}"""),
            ("global/days/1", """{"proactiveRange":{"low":0.1,"high":0.7}}"""),
            ("hosts/h1", """{"controllerMode":"proactive","networkMode":"predictOnly"}"""),
            ("hosts/h1/days/0", """{"reactiveRange":{"low":0.2,"high":0.75}}"""),
            ("vms/vm1", """{"groupId":"db","priority":5}"""),
            ("groups/db", """{"autoMigrate":false,"priority":80}"""),
            ("calendar", """{"dayCategoryMode":"DayOfWeek"}"""),
        ];

        foreach (var (route, body) in edits)
        {
            var put = await app.CallAsync("PUT", $"/api/settings/{route}", rawBody: body, headers: [Key, IfMatch(etag)]);
            Assert.True(put.Status == 200, $"{route}: {put.Status} {put.Body}");
            Assert.NotEqual(etag, put.ETag);
            etag = put.ETag!;
            app.Time.Advance(TimeSpan.FromSeconds(1));
            changes.AddRange(put.Json.GetProperty("changes").EnumerateArray().Select(c => c.GetString()!));
        }

        Assert.Contains("global.reactiveRange: (inherit) -> [0.1, 0.85]", changes);
        Assert.Contains("hosts.h1.networkMode: (inherit) -> \"predictOnly\"", changes);
        Assert.Contains("groups.db.autoMigrate: (inherit) -> false", changes);
        Assert.Contains("vms.vm1.groupId: (inherit) -> \"db\"", changes);

        var (document, storedETag, audit) = await app.StoredSettingsAsync();
        Assert.Equal(etag, storedETag);
        Assert.Equal(ControllerModeSetting.Proactive, document.Hosts["h1"].ControllerMode);
        Assert.Equal(new WorkloadRange(0.2, 0.75), document.HostsByDayCategory["h1"][0].ReactiveRange);
        Assert.Equal(80, document.Groups["db"].Priority);
        Assert.Equal("db", document.Vms["vm1"].GroupId);
        Assert.Equal(edits.Length, audit.Count);
        Assert.Equal("groups/db", audit[1].Scope);
        Assert.All(audit, entry => Assert.Equal("function-key", entry.Actor));
        Assert.Equal(audit[0].PreviousETag, audit[1].NewETag);

        var scope = await app.GetAsync("/api/settings/hosts/h1");
        Assert.Equal("proactive", scope.Json.GetProperty("settings").GetProperty("controllerMode").GetString());
        var effective = await app.GetAsync("/api/settings/effective?host=h1&day=0&vm=vm1");
        Assert.Equal(0.2, effective.Json.GetProperty("host").GetProperty("reactiveRange").GetProperty("low").GetDouble());
        Assert.Equal(5, effective.Json.GetProperty("vm").GetProperty("priority").GetInt32());
        Assert.False(effective.Json.GetProperty("vm").GetProperty("autoMigrate").GetBoolean());

        var auditAnswer = await app.GetAsync("/api/settings/audit?limit=2");
        Assert.Equal(2, auditAnswer.Json.GetArrayLength());
        Assert.Equal("calendar", auditAnswer.Json[0].GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Removing_a_scope_makes_it_inherit_again_and_is_audited()
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings/vms/vm1", rawBody: """{"autoMigrate":false}""", headers: [Key, IfMatch("*")]);
        Assert.Equal(200, put.Status);

        var delete = await app.CallAsync("DELETE", "/api/settings/vms/vm1", headers: [Key, IfMatch(put.ETag!)]);
        Assert.Equal(200, delete.Status);
        Assert.Equal(["vms.vm1.autoMigrate: false -> (inherit)"], delete.Json.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        var (document, _, audit) = await app.StoredSettingsAsync();
        Assert.False(document.Vms.ContainsKey("vm1"));
        Assert.Equal(2, audit.Count);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task A_change_without_credentials_is_refused_with_401_and_changes_nothing(string method)
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.CallAsync(method, "/api/settings/hosts/h1", rawBody: """{"controllerMode":"reactive"}""", headers: IfMatch("*"));

        Assert.Equal(401, answer.Status);
        Assert.Equal("unauthorized", answer.Json.GetProperty("error").GetString());
        Assert.Equal("Bearer", answer.Headers.WWWAuthenticate.ToString());
        var (document, etag, audit) = await app.StoredSettingsAsync();
        Assert.Equal(SettingsHandler.InitialETag, etag);
        Assert.Empty(document.Hosts);
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

    public static TheoryData<string, string, string> InvalidChanges => new()
    {
        { "hosts/h1", """{"reactiveRange":{"low":0.9,"high":0.2}}""", "The reactive range [0.9, 0.2] must have low < high." },
        { "global", """{"proactiveRange":{"low":-0.1,"high":1.5}}""", "must lie within [0, 1] (fractions, not percentages)." },
        { "hosts/h1", """{"failsafeRange":{"low":0.3,"high":0.9}}""", "The failsafe range [0.3, 0.9] must contain the reactive range [0.15, 0.8]." },
        { "global", """{"autostartAccuracyThreshold":0}""", "The autostart accuracy threshold must be above 0 and at most 1, not 0." },
        { "global", """{"maxMigrationsPerCycle":0}""", "The cap on migrations per cycle must be at least 1, not 0." },
        { "hosts/h1", """{"controllerMode":"sometimes"}""", "$.controllerMode" },
        { "vms/vm1", """{"reactiveRange":{"low":0.1,"high":0.5}}""", "reactiveRange" },
        { "global", """{"reactiveRang":{"low":0.1,"high":0.5}}""", "reactiveRang" },
        { "global", """{"reactiveRange":{"low":0.1,"high":0.5}""", "not valid JSON" },
        { "global/days/9", """{"reactiveRange":{"low":0.1,"high":0.5}}""", "day category 9 does not exist" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task An_invalid_change_is_refused_with_400_saying_what_is_wrong_and_changes_nothing(string route, string body, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", $"/api/settings/{route}", rawBody: body, headers: [Key, IfMatch(SettingsHandler.InitialETag)]);

        Assert.Equal(400, put.Status);
        Assert.Equal("invalid-request", put.Json.GetProperty("error").GetString());
        Assert.Contains("nothing was changed", put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(put.Details, d => d.Contains(expected, StringComparison.Ordinal));
        var (document, etag, audit) = await app.StoredSettingsAsync();
        Assert.Equal(SettingsHandler.InitialETag, etag);
        Assert.Equal(SettingsDocument.Empty.Global, document.Global);
        Assert.Empty(document.Hosts);
        Assert.Empty(audit);
    }

    public static TheoryData<string, string, string> StrictInputs => new()
    {
        { "hosts/h1", """{"reactiveRange":{"low":"NaN","high":0.8}}""", "$.reactiveRange.low" },
        { "hosts/h1", """{"reactiveRange":{"low":"Infinity","high":0.8}}""", "$.reactiveRange.low" },
        { "hosts/h1", """{"reactiveRange":{"low":1e400,"high":0.8}}""", "$.reactiveRange.low" },
        { "hosts/h1", """{"reactiveRange":{"low":"0.1","high":0.8}}""", "$.reactiveRange.low" },
        { "global", """{"maxMigrationsPerCycle":"3"}""", "$.maxMigrationsPerCycle" },
        { "hosts/h1", """{"controllerMode":1}""", "$.controllerMode" },
        { "hosts/h1", """{"controllerMode":"1"}""", "$.controllerMode" },
        { "calendar", """{"dayCategoryMode":2}""", "$.dayCategoryMode" },
        { "global", """{"dryRun":false,"dryRun":true}""", "dryRun" },
        { "hosts/h1", """{"reactiveRange":{"low":0.5,"high":0.8,"low":0.1}}""", "low" },
        { "hosts/h1", """{"reactiveRange":{"low":0.1,"high":0.8}} {}""", "not valid" },
    };

    [Theory]
    [MemberData(nameof(StrictInputs))]
    public async Task Loose_json_is_refused_with_400_naming_the_place_and_changes_nothing(string route, string body, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", $"/api/settings/{route}", rawBody: body, headers: [Key, IfMatch("*")]);

        Assert.True(put.Status == 400, $"{put.Status} {put.Body}");
        Assert.Equal("invalid-request", put.Json.GetProperty("error").GetString());
        Assert.Contains("nothing was changed", put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(put.Details, d => d.Contains(expected, StringComparison.Ordinal));
        await AssertNothingSavedAsync(app);
    }

    [Theory]
    [InlineData("""{"enabled":false,"enabled":true}""", "enabled")]
    [InlineData("""{"enabled":"true"}""", "$.enabled")]
    [InlineData("""{"enabled":1}""", "$.enabled")]
    public async Task Loose_json_for_dry_run_is_refused_and_dry_run_stays_off(string body, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/decisions/dry-run", rawBody: body, headers: Key);

        Assert.True(put.Status == 400, $"{put.Status} {put.Body}");
        Assert.Contains(expected, put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertNothingSavedAsync(app);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task A_body_that_is_not_declared_json_is_refused_with_415_and_changes_nothing(string contentType)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings/global", rawBody: """{"dryRun":true}""", headers: [Key, IfMatch("*"), ("Content-Type", contentType)]);
        var dryRun = await app.CallAsync("PUT", "/api/decisions/dry-run", rawBody: """{"enabled":true}""", headers: [Key, ("Content-Type", contentType)]);

        foreach (var answer in new[] { put, dryRun })
        {
            Assert.True(answer.Status == 415, $"{answer.Status} {answer.Body}");
            Assert.Equal("unsupported-media-type", answer.Json.GetProperty("error").GetString());
            Assert.Contains("application/json", answer.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        await AssertNothingSavedAsync(app);
    }

    [Fact]
    public async Task A_json_content_type_with_parameters_or_a_json_suffix_is_accepted()
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings/global", rawBody: """{"dryRun":true}""", headers: [Key, IfMatch("*"), ("Content-Type", "Application/JSON; charset=UTF-8")]);
        Assert.Equal(200, put.Status);
        var merge = await app.CallAsync("PUT", "/api/settings/global", rawBody: """{"dryRun":false}""", headers: [Key, IfMatch("*"), ("Content-Type", "application/merge-patch+json")]);
        Assert.Equal(200, merge.Status);
    }

    public static TheoryData<string, string> BadScopeIds => new()
    {
        { "hosts/" + new string('h', 600), "600 characters" },
        { "hosts/..%2f..%2fetc", "not a valid host id" },
        { "hosts/..", "not a valid host id" },
        { "vms/vm%20one", "not a valid VM id" },
        { "groups/" + new string('g', 129), "129 characters" },
        { "hosts/h9", "Host 'h9' is not known" },
        { "hosts/h9/days/1", "Host 'h9' is not known" },
        { "vms/vm-unknown", "VM 'vm-unknown' is not known" },
        { "groups/nobody", "Group 'nobody' is not known" },
    };

    [Theory]
    [MemberData(nameof(BadScopeIds))]
    public async Task Settings_for_an_invalid_or_unknown_id_are_refused_with_400_and_change_nothing(string route, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", $"/api/settings/{route}", rawBody: """{"autoMigrate":false}""", headers: [Key, IfMatch("*")]);

        Assert.True(put.Status == 400, $"{put.Status} {put.Body}");
        Assert.Contains(expected, put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("nothing was changed", put.Json.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNothingSavedAsync(app);
    }

    [Fact]
    public async Task Settings_for_a_host_that_has_not_reported_yet_need_an_explicit_create()
    {
        var app = TestApp.OnAzurite(azurite);
        var created = await app.CallAsync("PUT", "/api/settings/hosts/h9?create=true", rawBody: """{"controllerMode":"reactive"}""", headers: [Key, IfMatch("*")]);
        Assert.True(created.Status == 200, created.Body);
        Assert.Equal(ControllerModeSetting.Reactive, (await app.StoredSettingsAsync()).Document.Hosts["h9"].ControllerMode);

        // Once stored, the scope can be changed and removed without create.
        var changed = await app.CallAsync("PUT", "/api/settings/hosts/h9", rawBody: """{"controllerMode":"proactive"}""", headers: [Key, IfMatch("*")]);
        Assert.Equal(200, changed.Status);
        var removed = await app.CallAsync("DELETE", "/api/settings/hosts/h9", headers: [Key, IfMatch("*")]);
        Assert.Equal(200, removed.Status);
    }

    private static async Task AssertNothingSavedAsync(TestApp app)
    {
        var (document, etag, audit) = await app.StoredSettingsAsync();
        Assert.Equal(SettingsHandler.InitialETag, etag);
        Assert.Equal(SettingsDocument.Empty.Global, document.Global);
        Assert.Empty(document.Hosts);
        Assert.Empty(document.Vms);
        Assert.Empty(document.Groups);
        Assert.Empty(audit);
    }

    [Theory]
    [InlineData("/api/settings/hosts/h1/days/monday", 400, "'monday' is not a day category number.")]
    [InlineData("/api/settings/planets/mars", 404, "No settings scope")]
    public async Task A_bad_scope_route_is_refused(string route, int status, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", route, rawBody: "{}", headers: [Key, IfMatch("*")]);
        Assert.Equal(status, put.Status);
        Assert.Contains(expected, put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await app.StoredSettingsAsync()).Audit);
    }

    [Fact]
    public async Task A_stale_etag_is_refused_with_409_and_the_other_change_is_kept()
    {
        var app = TestApp.OnAzurite(azurite);
        var first = (await app.GetAsync("/api/settings")).ETag!;
        var winner = await app.CallAsync("PUT", "/api/settings/hosts/h1", rawBody: """{"reactiveRange":{"low":0.3,"high":0.9}}""", headers: [Key, IfMatch(first)]);
        var loser = await app.CallAsync("PUT", "/api/settings/hosts/h2", rawBody: """{"reactiveRange":{"low":0.2,"high":0.85}}""", headers: [Key, IfMatch(first)]);

        Assert.Equal(200, winner.Status);
        Assert.Equal(409, loser.Status);
        Assert.Equal("stale-etag", loser.Json.GetProperty("error").GetString());
        Assert.Equal(winner.ETag, loser.ETag);
        var (document, etag, audit) = await app.StoredSettingsAsync();
        Assert.Equal(winner.ETag, etag);
        Assert.Equal(new WorkloadRange(0.3, 0.9), document.Hosts["h1"].ReactiveRange);
        Assert.False(document.Hosts.ContainsKey("h2"));
        Assert.Single(audit);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_one_wins_the_others_get_409()
    {
        var app = TestApp.OnAzurite(azurite);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            app.CallAsync("PUT", $"/api/settings/hosts/h{i}?create=true", rawBody: """{"controllerMode":"reactive"}""", headers: [Key, IfMatch(SettingsHandler.InitialETag)])));

        Assert.Equal(1, answers.Count(a => a.Status == 200));
        Assert.Equal(3, answers.Count(a => a.Status == 409));
        var (document, _, audit) = await app.StoredSettingsAsync();
        Assert.Single(document.Hosts);
        Assert.Single(audit);
    }

    [Fact]
    public async Task A_change_without_if_match_is_refused_with_428()
    {
        var app = TestApp.OnAzurite(azurite);
        var put = await app.CallAsync("PUT", "/api/settings/global", rawBody: """{"dryRun":true}""", headers: Key);
        Assert.Equal(428, put.Status);
        Assert.Contains("If-Match", put.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
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

        var missing = await app.CallAsync("PUT", "/api/decisions/dry-run", rawBody: "{}", headers: Key);
        Assert.Equal(400, missing.Status);
        Assert.Contains("enabled", missing.Json.GetProperty("message").GetString(), StringComparison.Ordinal);

        await app.CallAsync("PUT", "/api/settings/global", rawBody: """{"controllerMode":"reactive"}""", headers: [Key, IfMatch("*")]);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var on = await app.CallAsync("PUT", "/api/decisions/dry-run", new DryRunSetting(true), headers: Key);
        Assert.Equal(200, on.Status);
        Assert.True(on.Json.GetProperty("enabled").GetBoolean());
        Assert.True((await app.GetAsync("/api/decisions")).Json.GetProperty("dryRun").GetBoolean());
        Assert.True((await app.GetAsync("/api/decisions/dry-run")).Json.GetProperty("enabled").GetBoolean());

        var (document, _, audit) = await app.StoredSettingsAsync();
        Assert.True(document.Global.DryRun);
        Assert.Equal(ControllerModeSetting.Reactive, document.Global.ControllerMode);
        Assert.Equal(["global.dryRun: (inherit) -> true"], audit[0].Changes);

        var stale = await app.CallAsync("PUT", "/api/decisions/dry-run", new DryRunSetting(false), headers: [Key, IfMatch(SettingsHandler.InitialETag)]);
        Assert.Equal((int)HttpStatusCode.Conflict, stale.Status);
        Assert.True((await app.StoredSettingsAsync()).Document.Global.DryRun);
    }
}
