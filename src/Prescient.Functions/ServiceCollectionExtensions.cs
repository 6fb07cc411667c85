using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Functions.Dashboard;
using Prescient.Functions.Durable;
using Prescient.Functions.Migration;
using Prescient.Functions.Storage;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retention;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions;

/// <summary>The Functions app's composition root.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline (stores, ingest, retrain, evaluate; Event Hubs ingest when a hub is configured), the migration
    /// workflows' services (when the hypervisor endpoints are configured), the operations API with the Azure
    /// authoriser (function keys or Entra ID), and the dashboard's files.
    /// </summary>
    public static IServiceCollection AddPrescientFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddPrescientPipeline(configuration);
        var hub = configuration.GetSection(AppSettingNames.TelemetryHub);
        if (!string.IsNullOrWhiteSpace(configuration[AppSettingNames.TelemetryHubName])
            && (!string.IsNullOrWhiteSpace(hub.Value) || !string.IsNullOrWhiteSpace(hub[AppSettingNames.ConnectionKeys.FullyQualifiedNamespace])))
        {
            services.AddPrescientEventHubIngest(configuration);
        }

        services.AddMigrationServices(configuration);
        services.AddOperationsApi();
        services.AddPrescientRetention();
        services.AddHostedService<StorageInitializer>();
        services.TryAddSingleton(new StaticFileStore(Path.Combine(AppContext.BaseDirectory, "wwwroot")));
        return services;
    }

    private static IServiceCollection AddMigrationServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<IMigrationRecordStore>(sp => new MigrationRecordStore(sp.GetRequiredService<PrescientStorage>().Tables));
        services.TryAddSingleton<IVmLeaseStore>(sp => new VmLeaseStore(sp.GetRequiredService<PrescientStorage>().Tables, sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<MigrationOptions>().Bind(configuration.GetSection(MigrationOptions.SectionName));
        services.TryAddSingleton<IHostDirectory, HostStateDirectory>();
        services.TryAddSingleton<IMigrationScheduler, FunctionsMigrationScheduler>();
        var status = HypervisorSettings.Inspect(configuration);
        services.TryAddSingleton(status);
        services.AddHostedService<HypervisorSettingsReporter>();
        if (status.Enabled)
        {
            var hypervisor = configuration.GetSection(AppSettingNames.Hypervisor.Section);
            services.AddHypervisorClient(options =>
            {
                hypervisor.Bind(options);
                // Azure sets the fleet URI setting even when empty (per-host URIs only): no fleet then.
                if (string.IsNullOrWhiteSpace(hypervisor[AppSettingNames.Hypervisor.FleetBaseUri]))
                {
                    options.FleetBaseUri = null;
                }
            });
            services.TryAddSingleton<IHostPowerStateRecorder>(sp => new HostStatePowerRecorder(sp.GetRequiredService<HostStateStore>()));
            services.TryAddSingleton<MigrationActivities>();
        }

        return services;
    }

    private static IServiceCollection AddOperationsApi(this IServiceCollection services)
    {
        services.TryAddSingleton<IApiAuthorizer>(new FunctionsHostAuthorizer(protectReads: true));
        services.TryAddSingleton<IMigrationControl>(sp => new DurableMigrationControl(
            sp.GetRequiredService<IMigrationRecordStore>(), () => DurableClientScope.Current));
        return services.AddPrescientOperationsApi();
    }
}
