using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Tests.Configuration;

public sealed class PipelineCompositionTests
{
    private const string ConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:2/devstoreaccount1;TableEndpoint=http://127.0.0.1:3/devstoreaccount1;";

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddPrescientPipeline(configuration)
            .AddPrescientQueueTelemetryPublisher()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void A_configured_pipeline_resolves_its_services_from_app_settings()
    {
        using var provider = Build(new()
        {
            [AppSettingNames.Storage] = ConnectionString,
            [AppSettingNames.TelemetryQueueName] = "agents",
            ["Prescient:Pipeline:NamePrefix"] = "run1",
            ["Prescient:Pipeline:PeriodMinutes"] = "15",
            ["Prescient:Pipeline:Retrain:Epochs"] = "12",
            ["Prescient:Pipeline:Ingest:MaxDequeueCount"] = "3",
        });

        Assert.Equal("run1windows", provider.GetRequiredService<PrescientStorage>().Names.Windows);
        Assert.Equal(TimeSpan.FromMinutes(15), provider.GetRequiredService<WindowStore>().Calendar.PeriodLength);
        Assert.Equal(12, provider.GetRequiredService<IOptions<PipelineOptions>>().Value.Retrain.Epochs);
        Assert.NotNull(provider.GetRequiredService<TelemetryIngestor>());
        Assert.Equal(3, provider.GetRequiredService<QueueTelemetryDrainer>().MaxDequeueCount);
        Assert.NotNull(provider.GetRequiredService<RetrainService>());
        Assert.IsType<QueueTelemetryPublisher>(provider.GetRequiredService<ITelemetryPublisher>());
    }

    [Fact]
    public void Invalid_settings_fail_with_messages_that_say_what_to_set()
    {
        using var provider = Build(new()
        {
            ["Prescient:Pipeline:PeriodMinutes"] = "7",
            ["Prescient:Pipeline:TimeZone"] = "Mars/Olympus",
            ["Prescient:Pipeline:NamePrefix"] = "bad-prefix",
            ["Prescient:Pipeline:CpuWeight"] = "0",
            ["Prescient:Pipeline:Ingest:MaxDequeueCount"] = "0",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PipelineOptions>>().Value);
        Assert.Contains(error.Failures, f => f.Contains(AppSettingNames.Storage, StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("PeriodMinutes 7", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Mars/Olympus", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("NamePrefix", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Ingest:MaxDequeueCount 0 must be at least 1", StringComparison.Ordinal));
        Assert.True(error.Failures.Count() >= 6, string.Join("\n", error.Failures));
    }

    [Fact]
    public void Evaluate_needs_a_migration_scheduler_registration()
    {
        var services = new ServiceCollection().AddPrescientPipeline(o => o.StorageConnectionString = ConnectionString);
        using var provider = services.BuildServiceProvider();
        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<Evaluate.EvaluateService>());
        services.AddSingleton<IMigrationScheduler>(new NoScheduler());
        using var withScheduler = services.BuildServiceProvider();
        Assert.NotNull(withScheduler.GetRequiredService<Evaluate.EvaluateService>());
    }

    private sealed class NoScheduler : IMigrationScheduler
    {
        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
