using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Configuration;

/// <summary>Composition of the pipeline services (used by the Functions app and the local host).</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>The configuration section of the pipeline's tuning (storage and hub connections use <see cref="AppSettingNames"/>).</summary>
    public const string Section = "Prescient:Pipeline";

    /// <summary>
    /// Registers storage (created at start-up by a hosted service), stores, the telemetry validator, ingest (with the
    /// queue drainer), retrain and evaluate. Storage comes from <see cref="AppSettingNames.Storage"/>; tuning from the
    /// <see cref="Section"/> section. Options are validated at start-up. Evaluate needs an <c>IMigrationScheduler</c>
    /// (<c>AddPrescientMigrations</c>). Every host calls this, then overrides only what differs.
    /// </summary>
    public static IServiceCollection AddPrescientPipeline(this IServiceCollection services, IConfiguration configuration, Action<PipelineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddPrescientPipeline(options =>
        {
            configuration.GetSection(Section).Bind(options);
            var storage = configuration.GetSection(AppSettingNames.Storage);
            options.StorageConnectionString ??= storage.Value;
            options.TableServiceUri ??= Uri(storage["tableServiceUri"]);
            options.BlobServiceUri ??= Uri(storage["blobServiceUri"]);
            options.QueueServiceUri ??= Uri(storage["queueServiceUri"]);
            options.ManagedIdentityClientId ??= storage["clientId"];
            options.TelemetryQueueName ??= configuration[AppSettingNames.TelemetryQueueName];
            configure?.Invoke(options);
        });
    }

    /// <summary>As <see cref="AddPrescientPipeline(IServiceCollection, IConfiguration, Action{PipelineOptions}?)"/>, configured in code.</summary>
    public static IServiceCollection AddPrescientPipeline(this IServiceCollection services, Action<PipelineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PipelineOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, StorageInitializer>());

        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<PipelineOptions>>().Value;
            var names = new StorageNames(o.NamePrefix);
            if (!string.IsNullOrWhiteSpace(o.StorageConnectionString))
            {
                return PrescientStorage.FromConnectionString(o.StorageConnectionString, names);
            }

            var credential = Credential(o.ManagedIdentityClientId);
            return new PrescientStorage(
                new TableServiceClient(o.TableServiceUri, credential),
                new BlobServiceClient(o.BlobServiceUri, credential),
                new QueueServiceClient(o.QueueServiceUri, credential),
                names);
        });
        services.TryAddSingleton(sp => new WindowStore(
            sp.GetRequiredService<PrescientStorage>().Table(n => n.Windows),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Calendar(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Measure(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Windows));
        services.TryAddSingleton(sp => new DeadLetterStore(sp.GetRequiredService<PrescientStorage>().Table(n => n.DeadLetters), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new HostStateStore(sp.GetRequiredService<PrescientStorage>().Table(n => n.Hosts)));
        services.TryAddSingleton(sp => new SettingsStore(sp.GetRequiredService<PrescientStorage>().Table(n => n.Settings), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new DecisionStore(sp.GetRequiredService<PrescientStorage>().Table(n => n.Decisions)));
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<PrescientStorage>();
            return new ModelStore(storage.Blobs.GetBlobContainerClient(storage.Names.ModelContainer), storage.Table(n => n.Models));
        });
        services.TryAddSingleton(sp => new Forecasts.FleetModelCache(sp.GetRequiredService<ModelStore>()));
        services.TryAddSingleton(sp => new Forecasts.HostForecastReader(
            sp.GetRequiredService<WindowStore>(), sp.GetRequiredService<ModelStore>(), sp.GetRequiredService<Forecasts.FleetModelCache>()));
        services.TryAddSingleton(sp => new TelemetryValidator(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new TelemetryIngestor(
            sp.GetRequiredService<TelemetryValidator>(),
            sp.GetRequiredService<WindowStore>(),
            sp.GetRequiredService<DeadLetterStore>(),
            sp.GetRequiredService<HostStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TelemetryIngestor>>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Ingest));
        services.TryAddSingleton(sp => new QueueTelemetryDrainer(
            TelemetryQueue(sp),
            sp.GetRequiredService<TelemetryIngestor>(),
            sp.GetRequiredService<ILogger<QueueTelemetryDrainer>>())
        {
            MaxDequeueCount = sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Ingest.MaxDequeueCount,
        });
        services.TryAddSingleton(sp => new RetrainService(
            sp.GetRequiredService<WindowStore>(),
            sp.GetRequiredService<ModelStore>(),
            sp.GetRequiredService<HostStateStore>(),
            sp.GetRequiredService<SettingsStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RetrainService>>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Retrain,
            sp.GetRequiredService<Forecasts.FleetModelCache>()));
        services.TryAddSingleton(sp => new FleetSnapshotReader(
            sp.GetRequiredService<WindowStore>(),
            sp.GetRequiredService<ModelStore>(),
            sp.GetRequiredService<HostStateStore>(),
            sp.GetRequiredService<SettingsStore>(),
            sp.GetRequiredService<Migration.IMigrationScheduler>(),
            sp.GetService<Migration.IMigrationRecordStore>(),
            sp.GetRequiredService<ILogger<FleetSnapshotReader>>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Evaluate,
            sp.GetRequiredService<Forecasts.HostForecastReader>()));
        services.TryAddSingleton(sp => new EvaluateService(
            sp.GetRequiredService<FleetSnapshotReader>(),
            sp.GetRequiredService<HostStateStore>(),
            sp.GetRequiredService<DecisionStore>(),
            sp.GetRequiredService<Migration.IMigrationScheduler>(),
            sp.GetRequiredService<WindowStore>().Calendar,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EvaluateService>>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Evaluate));
        return services;
    }

    /// <summary>
    /// Registers the Event Hubs consumer (bounded drain, checkpoints in Tables). Connection from
    /// <see cref="AppSettingNames.TelemetryHub"/>, hub and consumer group from their settings.
    /// </summary>
    public static IServiceCollection AddPrescientEventHubIngest(this IServiceCollection services, IConfiguration configuration, Action<EventHubIngestOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EventHubIngestOptions>()
            .Configure(options =>
            {
                configuration.GetSection(Section + ":EventHubs").Bind(options);
                var hub = configuration.GetSection(AppSettingNames.TelemetryHub);
                options.ConnectionString ??= hub.Value;
                options.FullyQualifiedNamespace ??= hub["fullyQualifiedNamespace"];
                options.EventHubName = configuration[AppSettingNames.TelemetryHubName] ?? options.EventHubName;
                options.ConsumerGroup = configuration[AppSettingNames.TelemetryConsumerGroup] ?? options.ConsumerGroup;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventHubIngestOptions>, EventHubIngestOptionsValidator>());
        services.TryAddSingleton<IPartitionSource>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EventHubIngestOptions>>().Value;
            var connection = !string.IsNullOrWhiteSpace(o.ConnectionString)
                ? new EventHubConnection(o.ConnectionString, o.EventHubName)
                : new EventHubConnection(o.FullyQualifiedNamespace, o.EventHubName, Credential(sp.GetRequiredService<IOptions<PipelineOptions>>().Value.ManagedIdentityClientId));
            return new EventHubPartitionSource(connection, o.ConsumerGroup);
        });
        services.TryAddSingleton(sp =>
        {
            var source = sp.GetRequiredService<IPartitionSource>();
            return new EventHubCheckpointStore(
                sp.GetRequiredService<PrescientStorage>().Table(n => n.Checkpoints),
                source.FullyQualifiedNamespace, source.EventHubName, source.ConsumerGroup, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(sp => new EventHubPartitionDrainer(
            sp.GetRequiredService<IPartitionSource>(),
            sp.GetRequiredService<EventHubCheckpointStore>(),
            sp.GetRequiredService<TelemetryIngestor>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EventHubPartitionDrainer>>(),
            sp.GetRequiredService<IOptions<EventHubIngestOptions>>().Value.Drain));
        return services;
    }

    /// <summary>Registers an <see cref="ITelemetryPublisher"/> on the pipeline's telemetry queue (the local transport).</summary>
    public static IServiceCollection AddPrescientQueueTelemetryPublisher(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ITelemetryPublisher>(sp => new QueueTelemetryPublisher(TelemetryQueue(sp)));
        return services;
    }

    private static QueueClient TelemetryQueue(IServiceProvider sp)
    {
        var storage = sp.GetRequiredService<PrescientStorage>();
        var name = sp.GetRequiredService<IOptions<PipelineOptions>>().Value.TelemetryQueueName ?? storage.Names.TelemetryQueue;
        return storage.Queues.GetQueueClient(name);
    }

    private static TokenCredential Credential(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));

    private static Uri? Uri(string? value) => string.IsNullOrWhiteSpace(value) ? null : new Uri(value);
}
