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
    private ServiceProvider Build(bool withHypervisor)
    {
        var settings = new Dictionary<string, string?>
        {
            [AppSettingNames.Storage] = azurite.ConnectionString,
            [AppSettingNames.TelemetryQueueName] = "telemetry",
            [PipelineServiceCollectionExtensions.Section + ":NamePrefix"] = "c" + Guid.NewGuid().ToString("N")[..10],
        };
        if (withHypervisor)
        {
            settings["Hypervisor:FleetBaseUri"] = "http://127.0.0.1:9/";
            settings["Hypervisor:FleetSecret"] = "test-secret-test-secret";
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
    public async Task Telemetry_queued_to_the_function_shows_in_the_hosts_api_over_the_real_stores()
    {
        await using var provider = Build(withHypervisor: false);
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var now = DateTimeOffset.UtcNow;
        var body = "{\"schemaVersion\":1,\"hostId\":\"hq\",\"samples\":[" +
            $"{{\"sequence\":1,\"timestamp\":\"{now.AddSeconds(-20):O}\",\"cpu\":0.3,\"mem\":0.2,\"io\":0.1}}," +
            $"{{\"sequence\":2,\"timestamp\":\"{now.AddSeconds(-10):O}\",\"cpu\":0.5,\"mem\":0.2,\"io\":0.1}}]}}";
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
    }
}
