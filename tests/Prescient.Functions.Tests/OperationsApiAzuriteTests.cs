using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Migrations;

namespace Prescient.Functions.Tests;

/// <summary>
/// /api/hosts, /api/decisions and /api/migrations through their functions (settings on Azurite): with and without
/// credentials, valid and invalid queries, and that a refused operator action changes nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperationsApiAzuriteTests(AzuriteFixture azurite)
{
    public static TheoryData<string> ReadRoutes => new()
    {
        "/api/hosts", "/api/hosts/h1", "/api/hosts/h1/series", "/api/settings", "/api/settings/audit",
        "/api/settings/hosts/h1", "/api/settings/effective?host=h1",
        "/api/decisions", "/api/decisions/dry-run", "/api/migrations", "/api/migrations/m1", "/api/deadletters",
    };

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task Every_read_route_answers_200_with_a_function_key_and_401_without(string route)
    {
        var app = TestApp.OnAzurite(azurite);
        var with = await app.GetAsync(route);
        var without = await app.CallAsync("GET", route);

        Assert.Equal(200, with.Status);
        Assert.StartsWith("application/json", with.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Equal(401, without.Status);
        // Every answer, refused or not, carries the pipeline's clock (here the test's fake clock, not real time).
        Assert.All(new[] { with, without }, a => Assert.Equal(app.Time.GetUtcNow(), DateTimeOffset.Parse(a.Headers["X-Prescient-Clock"]!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("unauthorized", without.Json.GetProperty("error").GetString());
    }

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task Entra_id_principals_from_app_service_authentication_are_accepted(string route)
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.CallAsync("GET", route, headers: ("X-MS-CLIENT-PRINCIPAL-NAME", "ops@example.org"));
        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task Hosts_list_carries_mode_network_mode_accuracy_power_state()
    {
        var app = TestApp.OnAzurite(azurite);
        var hosts = (await app.GetAsync("/api/hosts")).Json.EnumerateArray().ToList();

        Assert.Equal(["h1", "h2"], hosts.Select(h => h.GetProperty("id").GetString()));
        Assert.Equal("proactive", hosts[0].GetProperty("mode").GetString());
        Assert.Equal("training", hosts[0].GetProperty("networkMode").GetString());
        Assert.Equal(0.031, hosts[0].GetProperty("predictionMae").GetDouble());
        Assert.Equal("reduced", hosts[1].GetProperty("powerState").GetString());
        Assert.Equal("predictOnly", hosts[1].GetProperty("networkMode").GetString());
    }

    [Fact]
    public async Task An_unknown_host_is_404_with_its_name()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/hosts/nope");
        Assert.Equal(404, answer.Status);
        Assert.Equal("Host 'nope' is not known.", answer.Json.GetProperty("message").GetString());
        Assert.Equal(404, (await app.GetAsync("/api/hosts/nope/series")).Status);
    }

    [Fact]
    public async Task The_series_defaults_to_the_last_24_hours_and_carries_modes_and_migrations()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/hosts/h1/series");

        Assert.Equal(200, answer.Status);
        Assert.Equal(("h1", app.Time.GetUtcNow().AddHours(-24), app.Time.GetUtcNow()), app.Hosts.LastSeriesQuery);
        var point = answer.Json.GetProperty("points")[0];
        Assert.Equal(0.5, point.GetProperty("measured").GetDouble());
        Assert.Equal(0.55, point.GetProperty("predicted").GetDouble());
        Assert.Equal(0.8, point.GetProperty("high").GetDouble());
        Assert.Equal("proactive", answer.Json.GetProperty("modeChanges")[0].GetProperty("to").GetString());
        Assert.Equal("m1", answer.Json.GetProperty("migrations")[0].GetProperty("migrationId").GetString());
    }

    [Theory]
    [InlineData("from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z", "must be before to")]
    [InlineData("from=yesterday", "from: 'yesterday' is not a date and time")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-11-19T00:00:00Z", "longer than 31 days")]
    public async Task A_bad_series_range_is_400(string query, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync($"/api/hosts/h1/series?{query}");
        Assert.Equal(400, answer.Status);
        Assert.Contains(answer.Details, d => d.Contains(expected, StringComparison.Ordinal));
        Assert.Null(app.Hosts.LastSeriesQuery);
    }

    [Fact]
    public async Task The_series_takes_an_explicit_range()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/hosts/h1/series?from=2026-11-23T06:00:00Z&to=2026-11-23T12:00:00%2B00:00");
        Assert.Equal(200, answer.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero), app.Hosts.LastSeriesQuery!.Value.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), app.Hosts.LastSeriesQuery!.Value.To);
    }

    [Fact]
    public async Task Decisions_are_listed_with_their_explanations_and_filtered_by_host()
    {
        var app = TestApp.OnAzurite(azurite);
        var all = await app.GetAsync("/api/decisions");
        var decision = all.Json.GetProperty("decisions")[0];
        Assert.Equal("offload", decision.GetProperty("indication").GetString());
        Assert.Equal("predicted 0.86 above the proactive high 0.75", decision.GetProperty("reason").GetString());
        Assert.Equal(0.86, decision.GetProperty("predicted").GetDouble());

        var h2 = await app.GetAsync("/api/decisions?host=h2&limit=5");
        Assert.Equal("reducePower", Assert.Single(h2.Json.GetProperty("decisions").EnumerateArray()).GetProperty("indication").GetString());

        Assert.Equal(400, (await app.GetAsync("/api/decisions?limit=0")).Status);
        Assert.Equal(400, (await app.GetAsync("/api/decisions?limit=abc")).Status);
    }

    [Fact]
    public async Task Migrations_are_listed_and_filtered_and_a_bad_filter_is_400()
    {
        var app = TestApp.OnAzurite(azurite);
        var pending = await app.GetAsync("/api/migrations?status=pending&host=h1&kind=migration&limit=10");
        Assert.Equal("m3", Assert.Single(pending.Json.EnumerateArray()).GetProperty("migrationId").GetString());
        Assert.Equal(new MigrationFilter("h1", null, MigrationStatus.Pending, MigrationKind.Migration, null, null, 10), app.Migrations.LastFilter);

        var bad = await app.GetAsync("/api/migrations?status=stuck");
        Assert.Equal(400, bad.Status);
        Assert.Contains("status: 'stuck' is not one of pending, running, completed, partiallyCompleted, aborted, refused, failed, cancelled.", bad.Details);
    }

    [Fact]
    public async Task One_migration_shows_every_step_with_timing_and_outcome()
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync("/api/migrations/m1");
        var steps = answer.Json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["prepare", "precopy"], steps.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(19000, steps[1].GetProperty("durationMs").GetDouble());
        Assert.Equal("completed", answer.Json.GetProperty("migration").GetProperty("status").GetString());
        Assert.Equal(404, (await app.GetAsync("/api/migrations/none")).Status);
    }

    [Fact]
    public async Task Cancel_needs_credentials_and_changes_nothing_without()
    {
        var app = TestApp.OnAzurite(azurite);
        var refused = await app.CallAsync("POST", "/api/migrations/m3/cancel", new { reason = "maintenance" });
        Assert.Equal(401, refused.Status);
        var refusedRunning = await app.CallAsync("POST", "/api/migrations/m2/cancel", new { reason = "maintenance" });
        Assert.Equal(401, refusedRunning.Status);
        Assert.Empty(app.Migrations.Cancels);
        Assert.Equal(MigrationStatus.Pending, app.Migrations.Migrations[0].Status);
        Assert.Equal(MigrationStatus.Running, app.Migrations.Migrations[1].Status);
    }

    [Fact]
    public async Task A_pending_migration_is_cancelled_a_running_one_is_asked_to_cancel_a_finished_one_is_409_an_unknown_one_404()
    {
        var app = TestApp.OnAzurite(azurite);
        var cancelled = await app.CallAsync("POST", "/api/migrations/m3/cancel", new { reason = "maintenance window" }, headers: TestApp.FunctionKey);
        Assert.Equal(202, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Json.GetProperty("outcome").GetString());
        Assert.Equal(("m3", "maintenance window", "function-key"), Assert.Single(app.Migrations.Cancels));

        var running = await app.CallAsync("POST", "/api/migrations/m2/cancel", headers: TestApp.FunctionKey);
        Assert.Equal(202, running.Status);
        Assert.Equal("cancelRequested", running.Json.GetProperty("outcome").GetString());
        Assert.Equal(("m2", "cancelled by an operator", "function-key"), app.Migrations.Cancels[1]);

        var finished = await app.CallAsync("POST", "/api/migrations/m1/cancel", headers: TestApp.FunctionKey);
        Assert.Equal(409, finished.Status);
        Assert.Equal("not-cancellable", finished.Json.GetProperty("error").GetString());

        Assert.Equal(404, (await app.CallAsync("POST", "/api/migrations/zz/cancel", headers: TestApp.FunctionKey)).Status);
        Assert.Equal(400, (await app.CallAsync("POST", "/api/migrations/m3/cancel", rawBody: "{\"why\":1}", headers: TestApp.FunctionKey)).Status);
        Assert.Equal(2, app.Migrations.Cancels.Count);
    }

    [Fact]
    public async Task Purge_needs_credentials_a_past_cut_off_and_deletes_only_finished_history()
    {
        var app = TestApp.OnAzurite(azurite);
        Assert.Equal(401, (await app.CallAsync("DELETE", "/api/migrations?completedBefore=2026-11-24T00:00:00Z")).Status);
        Assert.Equal(400, (await app.CallAsync("DELETE", "/api/migrations", headers: TestApp.FunctionKey)).Status);
        var future = await app.CallAsync("DELETE", "/api/migrations?completedBefore=2030-01-01T00:00:00Z", headers: TestApp.FunctionKey);
        Assert.Equal(400, future.Status);
        Assert.Contains("nothing was deleted", future.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(app.Migrations.Purges);
        Assert.Equal(3, app.Migrations.Migrations.Count);

        var purged = await app.CallAsync("DELETE", "/api/migrations?completedBefore=2026-11-24T00:00:00Z", headers: TestApp.FunctionKey);
        Assert.Equal(200, purged.Status);
        Assert.Equal(1, purged.Json.GetProperty("purged").GetInt32());
        Assert.Equal(["m3", "m2"], app.Migrations.Migrations.Select(m => m.MigrationId));
    }

    [Theory]
    [InlineData("DELETE", "/api/settings", "GET")]
    [InlineData("POST", "/api/settings/global", "GET, PUT, DELETE")]
    [InlineData("POST", "/api/hosts/h1", "GET")]
    [InlineData("PUT", "/api/migrations/m1", "GET")]
    public async Task A_method_a_route_does_not_take_is_405_with_allow(string method, string route, string allow)
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.CallAsync(method, route, headers: TestApp.FunctionKey);
        Assert.Equal(405, answer.Status);
        Assert.Equal(allow, answer.Headers.Allow.ToString());
    }

    [Fact]
    public async Task An_unknown_route_is_404()
    {
        var app = TestApp.OnAzurite(azurite);
        Assert.Equal(404, (await app.GetAsync("/api/hosts/h1/series/extra")).Status);
    }

    [Fact]
    public async Task Locally_reads_are_open_on_loopback_and_changes_need_the_generated_token()
    {
        var token = BearerTokenAuthorizer.GenerateToken();
        var app = TestApp.OnAzurite(azurite, new BearerTokenAuthorizer(token));

        Assert.Equal(200, (await app.CallAsync("GET", "/api/hosts")).Status);
        Assert.Equal(401, (await app.CallAsync("POST", "/api/migrations/m3/cancel")).Status);
        Assert.Equal(401, (await app.CallAsync("POST", "/api/migrations/m3/cancel", headers: ("Authorization", "Bearer wrong-token-wrong-token"))).Status);
        Assert.Equal(401, (await app.CallAsync("POST", "/api/migrations/m3/cancel", headers: TestApp.FunctionKey)).Status);
        Assert.Empty(app.Migrations.Cancels);

        Assert.Equal(202, (await app.CallAsync("POST", "/api/migrations/m3/cancel", headers: ("Authorization", $"Bearer {token}"))).Status);
        Assert.Equal("local-token", Assert.Single(app.Migrations.Cancels).Actor);
    }

    [Fact]
    public async Task Locally_reads_can_be_protected_too()
    {
        var token = BearerTokenAuthorizer.GenerateToken();
        var app = TestApp.OnAzurite(azurite, new BearerTokenAuthorizer(token, protectReads: true));
        Assert.Equal(401, (await app.CallAsync("GET", "/api/hosts")).Status);
        Assert.Equal(200, (await app.CallAsync("GET", "/api/hosts", headers: ("Authorization", $"Bearer {token}"))).Status);
    }
}
