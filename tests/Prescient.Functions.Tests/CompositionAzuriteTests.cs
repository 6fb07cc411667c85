using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prescient.Functions.Dashboard;
using Prescient.Functions.Evaluation;
using Prescient.Functions.Http;

using Prescient.Functions.Migration;
using Prescient.Functions.Retrain;
using Prescient.Functions.Telemetry;
using Prescient.Pipeline.Configuration;

namespace Prescient.Functions.Tests;

/// <summary>
/// The app's composition root against Azurite: every function class resolves, and data that went in through the
/// queue function comes out through the API functions over the real stores.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CompositionAzuriteTests(AzuriteFixture azurite)
{
    private ServiceProvider Build(bool withHypervisor) =>
        Build(withHypervisor ? new Dictionary<string, string?> { ["Hypervisor:FleetBaseUri"] = "http://127.0.0.1:9/", ["Hypervisor:FleetSecret"] = "test-secret-test-secret" } : []);

    private ServiceProvider Build(IReadOnlyDictionary<string, string?> hypervisor)
    {
        var settings = new Dictionary<string, string?>
        {
            [AppSettingNames.Storage] = azurite.ConnectionString,
            [AppSettingNames.TelemetryQueueName] = "telemetry",
            [PipelineServiceCollectionExtensions.Section + ":NamePrefix"] = "c" + Guid.NewGuid().ToString("N")[..10],
        };
        foreach (var (key, value) in hypervisor)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPrescientFunctions(configuration);
        foreach (var type in new[] { typeof(ApiFunctions), typeof(TelemetryFunctions), typeof(RetrainFunctions), typeof(EvaluateFunction), typeof(DashboardFunction), typeof(MigrationFunctions) })
        {
            services.AddTransient(type);
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
    }

    [Fact]
    public void Every_function_class_resolves_when_the_hypervisor_endpoints_are_configured()
    {
        using var provider = Build(withHypervisor: true);
        Assert.NotNull(provider.GetRequiredService<ApiFunctions>());
        Assert.NotNull(provider.GetRequiredService<TelemetryFunctions>());
        Assert.NotNull(provider.GetRequiredService<RetrainFunctions>());
        Assert.NotNull(provider.GetRequiredService<EvaluateFunction>());
        Assert.NotNull(provider.GetRequiredService<DashboardFunction>());
        Assert.NotNull(provider.GetRequiredService<MigrationFunctions>());
    }

    [Fact]
    public void Migration_options_are_bound_and_validated_at_start_up()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["Hypervisor:FleetBaseUri"] = "http://127.0.0.1:9/",
            ["Hypervisor:FleetSecret"] = "test-secret-test-secret",
            ["Migration:EvacuationConcurrency"] = "0",
            ["Migration:Policy:PollInterval"] = "00:00:00",
        });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pipeline.Migration.MigrationOptions>>().Value);
        Assert.Contains(error.Failures, f => f.Contains("EvacuationConcurrency", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("PollInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void With_the_bicep_defaults_the_migration_activities_are_not_registered_and_the_status_says_why()
    {
        // As Azure sets them: the fleet URI empty and the secret's Key Vault reference not resolved yet.
        var appSettings = HypervisorSettingsTests.FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "",
            [AppSettingNames.HypervisorFleetSecret] = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=hypervisor-fleet-secret)",
        });
        using var provider = Build(appSettings.AsEnumerable().ToDictionary(p => p.Key, p => p.Value));

        Assert.Null(provider.GetService<Pipeline.Migration.MigrationActivities>());
        Assert.Null(provider.GetService<Pipeline.Hypervisor.IHypervisorClient>());
        var status = provider.GetRequiredService<HypervisorSettingsStatus>();
        Assert.False(status.Enabled);
        Assert.Contains(AppSettingNames.HypervisorFleetBaseUri, status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_migrations_disabled_the_scheduler_refuses_and_says_why_instead_of_starting_an_orchestration()
    {
        using var provider = Build(withHypervisor: false);
        var scheduler = provider.GetRequiredService<Pipeline.Migration.IMigrationScheduler>();

        var move = await scheduler.StartAsync(
            new Pipeline.Migration.MigrationRequest("m-1", "h1", "h2", ["vm-1"], null, "offload", DateTimeOffset.UnixEpoch),
            CancellationToken.None);
        var evacuation = await scheduler.StartEvacuationAsync(new Pipeline.Migration.EvacuationRequest("e-1", "h1", "reduce power", [], DateTimeOffset.UnixEpoch), CancellationToken.None);

        Assert.False(move.Started);
        Assert.False(evacuation.Started);
        Assert.StartsWith("migrations are disabled", move.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_host_uris_with_the_fleet_uri_set_empty_bind_no_fleet_uri_and_register_the_activities()
    {
        var appSettings = HypervisorSettingsTests.FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "",
            [AppSettingNames.HypervisorFleetSecret] = "a-resolved-secret-value-of-some-length",
            [$"{AppSettingNames.Hypervisor.Section}__{AppSettingNames.Hypervisor.HostBaseUris}__h1"] = "http://127.0.0.1:9/h1/",
        });
        using var provider = Build(appSettings.AsEnumerable().ToDictionary(p => p.Key, p => p.Value));

        Assert.NotNull(provider.GetRequiredService<MigrationFunctions>());
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pipeline.Hypervisor.HypervisorClientOptions>>().Value;
        Assert.Null(options.FleetBaseUri);
        Assert.Equal(new Uri("http://127.0.0.1:9/h1/"), options.HostBaseUris["h1"]);
        Assert.Equal("a-resolved-secret-value-of-some-length", options.FleetSecret);
        // The power activity records woken and powered-down hosts in the hosts table the evaluator reads.
        Assert.IsType<Pipeline.Migration.HostStatePowerRecorder>(provider.GetRequiredService<Pipeline.Migration.IHostPowerStateRecorder>());
    }

    [Fact]
    public async Task Telemetry_queued_to_the_function_shows_in_the_hosts_api_over_the_real_stores()
    {
        await using var provider = Build(withHypervisor: false);
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        // Both samples in the previous 20-minute period (whatever the clock), the decision in the current one.
        var now = DateTimeOffset.UtcNow;
        var calendar = Core.Calendar.PeriodCalendar.Default;
        var previous = calendar.StartOf(calendar.PeriodOf(now.AddMinutes(-20)));
        var body = "{\"schemaVersion\":1,\"hostId\":\"hq\",\"samples\":[" +
            $"{{\"sequence\":1,\"timestamp\":\"{previous.AddSeconds(60):O}\",\"cpu\":0.3,\"mem\":0.2,\"io\":0.1}}," +
            $"{{\"sequence\":2,\"timestamp\":\"{previous.AddSeconds(70):O}\",\"cpu\":0.5,\"mem\":0.2,\"io\":0.1}}]}}";
        var result = await provider.GetRequiredService<TelemetryFunctions>().IngestQueueMessageAsync(
            QueuesModelFactory.QueueMessage("q1", "pop", BinaryData.FromString(body), 1, insertedOn: now), CancellationToken.None);
        Assert.Equal(2, result.Accepted);

        var api = provider.GetRequiredService<ApiFunctions>();
        var context = HttpCall.Request("GET", "/api/hosts", headers: TestApp.FunctionKey);
        var hosts = await HttpCall.RunAsync(context, r => api.HostsAsync(r, CancellationToken.None));
        Assert.Equal(200, hosts.Status);
        Assert.Equal("hq", Assert.Single(hosts.Json.EnumerateArray()).GetProperty("id").GetString());

        context = HttpCall.Request("GET", "/api/hosts/hq/series", headers: TestApp.FunctionKey);
        var series = await HttpCall.RunAsync(context, r => api.HostsAsync(r, CancellationToken.None));
        Assert.Equal(200, series.Status);
        Assert.Equal(0.4, series.Json.GetProperty("points")[0].GetProperty("measured").GetDouble(), 9);

        context = HttpCall.Request("GET", "/api/migrations", headers: TestApp.FunctionKey);
        var migrations = await HttpCall.RunAsync(context, r => api.MigrationsAsync(r, UnusedDurableClient.Instance, CancellationToken.None));
        Assert.Equal(200, migrations.Status);
        Assert.Equal(0, migrations.Json.GetArrayLength());

        context = HttpCall.Request("GET", "/api/decisions", headers: TestApp.FunctionKey);
        var decisions = await HttpCall.RunAsync(context, r => api.DecisionsAsync(r, CancellationToken.None));
        Assert.Equal(200, decisions.Status);
        Assert.Equal(0, decisions.Json.GetProperty("decisions").GetArrayLength());

        // A decision (autostart to proactive, offload) and the migration it started, as the evaluate job and the
        // workflow write them, read back through the API.
        var decision = new Core.Controller.Decision(
            now, 0.5, 0.86, 0.02, 0.03, 72, Core.Settings.ControllerModeSetting.Autostart, Core.Settings.NetworkMode.Training,
            Core.Controller.ControllerMode.Reactive, Core.Controller.ControllerMode.Proactive, Core.Controller.ModeTransition.Autostart,
            0.86, new Core.Settings.WorkloadRange(0.2, 0.75), new Core.Settings.WorkloadRange(0.05, 0.95), 0.05, 72, Core.Controller.Indication.Offload);
        await provider.GetRequiredService<Pipeline.Storage.DecisionStore>().WriteAsync(
            new Pipeline.Storage.DecisionRecord("hq", "c1", now, false, decision, "offload vm1 to h2",
                [new Pipeline.Storage.DecisionMigration("m-1", ["vm1"], null, "h2", false, "started")], []),
            now, CancellationToken.None);
        await provider.GetRequiredService<Pipeline.Migration.IMigrationRecordStore>().UpsertAsync(new Pipeline.Migration.MigrationRecord(
            "m-1", "migrate-vm-vm1", "hq", "h2", ["vm1"], null, "offload", Pipeline.Migration.MigrationResult.Completed, "completed",
            now, now.AddSeconds(30),
            [new Pipeline.Migration.StepTiming("prepare", "vm1", now, now.AddSeconds(1), "ok"), new Pipeline.Migration.StepTiming("precopy", "vm1", now.AddSeconds(1), now.AddSeconds(25), "ok: 4 rounds")],
            [new Pipeline.Migration.VmMigrationOutcome("vm1", Pipeline.Migration.MigrationResult.Completed, "h2", 4, "moved")]));

        context = HttpCall.Request("GET", "/api/decisions?host=hq", headers: TestApp.FunctionKey);
        var one = (await HttpCall.RunAsync(context, r => api.DecisionsAsync(r, CancellationToken.None))).Json.GetProperty("decisions")[0];
        Assert.Equal("offload", one.GetProperty("indication").GetString());
        Assert.Equal("proactive", one.GetProperty("modeAfter").GetString());
        Assert.Equal(0.86, one.GetProperty("predicted").GetDouble());
        Assert.Equal(["m-1"], one.GetProperty("migrationIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("offload vm1 to h2", one.GetProperty("reason").GetString(), StringComparison.Ordinal);

        context = HttpCall.Request("GET", "/api/migrations?host=hq&status=completed", headers: TestApp.FunctionKey);
        var listed = await HttpCall.RunAsync(context, r => api.MigrationsAsync(r, UnusedDurableClient.Instance, CancellationToken.None));
        Assert.Equal("m-1", Assert.Single(listed.Json.EnumerateArray()).GetProperty("migrationId").GetString());

        context = HttpCall.Request("GET", "/api/migrations/m-1", headers: TestApp.FunctionKey);
        var detail = await HttpCall.RunAsync(context, r => api.MigrationsAsync(r, UnusedDurableClient.Instance, CancellationToken.None));
        var steps = detail.Json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["prepare (vm1)", "precopy (vm1)"], steps.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(24000, steps[1].GetProperty("durationMs").GetDouble(), 3);

        context = HttpCall.Request("GET", "/api/hosts/hq/series", headers: TestApp.FunctionKey);
        series = await HttpCall.RunAsync(context, r => api.HostsAsync(r, CancellationToken.None));
        var point = series.Json.GetProperty("points").EnumerateArray().Last();
        Assert.Equal(0.86, point.GetProperty("predicted").GetDouble());
        Assert.Equal(0.75, point.GetProperty("high").GetDouble());
        Assert.Equal("proactive", point.GetProperty("mode").GetString());
        Assert.Equal("proactive", Assert.Single(series.Json.GetProperty("modeChanges").EnumerateArray()).GetProperty("to").GetString());
        var move = Assert.Single(series.Json.GetProperty("migrations").EnumerateArray());
        Assert.Equal(("out", "h2"), (move.GetProperty("direction").GetString(), move.GetProperty("otherHostId").GetString()));
    }
}
