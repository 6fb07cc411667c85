using Azure.Identity;
using Azure.Messaging.EventHubs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Pipeline.Telemetry;

namespace Prescient.Functions;

/// <summary>
/// The pipeline services the triggers call, on <see cref="PrescientStorage"/>: ingest (with the Event Hubs drainer
/// when a telemetry hub is configured), the stores, retrain. Registered with TryAdd, so a host that registers the
/// pipeline itself first wins.
/// </summary>
public static class PipelineServices
{
    public static IServiceCollection AddPipelineServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(sp => new TelemetryValidator(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new WindowStore(Storage(sp).Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu));
        services.TryAddSingleton(sp => new DeadLetterStore(Storage(sp).Table(n => n.DeadLetters), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new HostStateStore(Storage(sp).Table(n => n.Hosts)));
        services.TryAddSingleton(sp => new ModelStore(
            Storage(sp).Blobs.GetBlobContainerClient(Storage(sp).Names.ModelContainer), Storage(sp).Table(n => n.Models)));
        services.TryAddSingleton<TelemetryIngestor>();
        services.TryAddSingleton<RetrainService>();

        var hubNamespace = configuration.GetSection(AppSettingNames.TelemetryHub)[AppSettingNames.ConnectionKeys.FullyQualifiedNamespace];
        var hubConnectionString = configuration[AppSettingNames.TelemetryHub];
        var hubName = configuration[AppSettingNames.TelemetryHubName];
        if (!string.IsNullOrWhiteSpace(hubName) && (!string.IsNullOrWhiteSpace(hubNamespace) || !string.IsNullOrWhiteSpace(hubConnectionString)))
        {
            var consumerGroup = configuration[AppSettingNames.TelemetryConsumerGroup] ?? EventHubConsumerClientDefaults.ConsumerGroup;
            services.TryAddSingleton(_ => string.IsNullOrWhiteSpace(hubConnectionString)
                ? new EventHubConnection(hubNamespace, hubName, new DefaultAzureCredential())
                : new EventHubConnection(hubConnectionString, hubName));
            services.TryAddSingleton(sp => new EventHubPartitionSource(sp.GetRequiredService<EventHubConnection>(), consumerGroup));
            services.TryAddSingleton(sp =>
            {
                var connection = sp.GetRequiredService<EventHubConnection>();
                return new EventHubCheckpointStore(
                    Storage(sp).Table(n => n.Checkpoints), connection.FullyQualifiedNamespace, connection.EventHubName, consumerGroup,
                    sp.GetRequiredService<TimeProvider>());
            });
            services.TryAddSingleton(sp => new EventHubPartitionDrainer(
                sp.GetRequiredService<EventHubPartitionSource>(),
                sp.GetRequiredService<EventHubCheckpointStore>(),
                sp.GetRequiredService<TelemetryIngestor>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<EventHubPartitionDrainer>>()));
        }

        return services;
    }

    private static PrescientStorage Storage(IServiceProvider services) => services.GetRequiredService<PrescientStorage>();

    private static class EventHubConsumerClientDefaults
    {
        public const string ConsumerGroup = "$Default";
    }
}
