using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Prescient.Up.Tests;

/// <summary>A bounded headless run of the local pipeline on Azurite, checked only through its operations API.</summary>
[Collection(UpRunCollection.Name)]
public sealed class UpRunTests(UpRunFixture run, ITestOutputHelper output)
{
    [Fact]
    public async Task Headless_run_stores_windows_trains_models_goes_proactive_migrates_and_powers_down_through_the_API()
    {
        var summary = run.Summary!;
        output.WriteLine($"after {run.RanFor.TotalSeconds:F0} s: {JsonSerializer.Serialize(summary)}");
        var history = run.Pipeline.Fleet.HostIds.Count * run.Pipeline.Options.HistoryDays * 72;

        // Windows: the bootstrapped history plus periods measured live from the agents' telemetry (via the queue).
        Assert.True(summary.Windows > history, $"only {summary.Windows} windows stored; the history alone has {history}");
        Assert.Equal(run.Pipeline.Fleet.HostIds.Count, summary.Models);
        Assert.True(summary.HostsSwitchedByAutostart >= 1, "no host switched to proactive mode by autostart");
        Assert.True(summary.MigrationsCompleted >= 1, "no migration completed");
        Assert.True(summary.HostsPoweredDown >= 1, "no host was powered down");
        Assert.Equal(0, summary.VmsOnTwoHosts);
        // The simulator agrees: no VM executes on two hosts, none is lost, each runs where its disk lock is.
        Assert.Empty(run.Pipeline.FleetService.Model.Snapshot().Violations());

        // A completed migration carries every step of the patent's sequence, each with its timing and outcome.
        var completed = await run.Api.GetFromJsonAsync<JsonElement>("api/migrations?status=completed&limit=50");
        var id = completed.EnumerateArray().First().GetProperty("migrationId").GetString()!;
        var detail = await run.Api.GetFromJsonAsync<JsonElement>($"api/migrations/{Uri.EscapeDataString(id)}");
        var steps = detail.GetProperty("steps").EnumerateArray().ToList();
        var names = steps.Select(s => s.GetProperty("name").GetString()!).ToList();
        foreach (var step in new[] { "lease", "source-status", "prepare", "precopy", "quiesce", "resume", "finish", "release" })
        {
            Assert.Contains(names, n => n.StartsWith(step, StringComparison.Ordinal));
        }

        output.WriteLine(string.Join("\n", steps.Select(s => $"{s.GetProperty("name").GetString()}: {s.GetProperty("durationMs").GetDouble():F0} ms, {s.GetProperty("outcome").GetString()}")));
        Assert.All(steps, s =>
        {
            var outcome = s.GetProperty("outcome").GetString()!;
            Assert.False(outcome.StartsWith("failed", StringComparison.Ordinal) || outcome.StartsWith("timeout", StringComparison.Ordinal), outcome);
            Assert.True(s.GetProperty("durationMs").GetDouble() >= 0);
        });

        // The host the migration left shows it on its series, next to the measured and predicted workload.
        var source = detail.GetProperty("migration").GetProperty("sourceHostId").GetString()!;
        var series = await run.Api.GetFromJsonAsync<JsonElement>($"api/hosts/{source}/series");
        Assert.Contains(series.GetProperty("migrations").EnumerateArray(), m => m.GetProperty("migrationId").GetString() == id);
        Assert.Contains(series.GetProperty("points").EnumerateArray(), p => p.TryGetProperty("predicted", out var v) && v.ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public void Up_is_composed_with_the_Functions_app_registrations_overriding_only_storage_clock_durable_runtime_fleet_and_authoriser()
    {
        var services = run.Pipeline.Services;
        // The shared registrations: the store-backed read models, the durable scheduler, the reconciler.
        Assert.IsType<Pipeline.Api.Hosts.StoreHostReadModel>(services.GetRequiredService<Pipeline.Api.Hosts.IHostReadModel>());
        Assert.IsType<Pipeline.Api.Migrations.StoreMigrationHistory>(services.GetRequiredService<Pipeline.Api.Migrations.IMigrationHistory>());
        Assert.IsType<Pipeline.Api.Decisions.StoreDecisionLog>(services.GetRequiredService<Pipeline.Api.Decisions.IDecisionLog>());
        Assert.IsType<Pipeline.Migration.DurableMigrationScheduler>(services.GetRequiredService<Pipeline.Migration.IMigrationScheduler>());
        Assert.NotNull(services.GetRequiredService<Pipeline.Migration.MigrationReconciler>());
        // What differs on one machine.
        Assert.Same(run.Pipeline.Clock, services.GetRequiredService<TimeProvider>());
        Assert.IsType<Pipeline.Migration.DeferredDurableClientProvider>(services.GetRequiredService<Pipeline.Migration.IDurableClientProvider>());
        Assert.IsType<Pipeline.Api.Auth.BearerTokenAuthorizer>(services.GetRequiredService<Pipeline.Api.Auth.IApiAuthorizer>());
        Assert.Equal(run.Pipeline.FleetService.BaseAddress,
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pipeline.Hypervisor.HypervisorClientOptions>>().Value.FleetBaseUri);
    }

    [Fact]
    public async Task Changes_without_the_token_are_refused_and_with_it_are_applied()
    {
        using var refused = await run.Api.PutAsync(new Uri("api/decisions/dry-run", UriKind.Relative),
            new StringContent("{\"enabled\":true}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var before = await run.Api.GetFromJsonAsync<JsonElement>("api/decisions/dry-run");
        Assert.False(before.GetProperty("enabled").GetBoolean());

        // With the token: the audit records the change; then it is turned back off.
        foreach (var enabled in new[] { true, false })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "api/decisions/dry-run")
            {
                Content = new StringContent($"{{\"enabled\":{(enabled ? "true" : "false")}}}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", run.Pipeline.ApiToken);
            using var accepted = await run.Api.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var now = await run.Api.GetFromJsonAsync<JsonElement>("api/decisions/dry-run");
            Assert.Equal(enabled, now.GetProperty("enabled").GetBoolean());
        }

        var audit = await run.Api.GetFromJsonAsync<JsonElement>("api/settings/audit");
        Assert.True(audit.GetArrayLength() >= 2);
    }
}
