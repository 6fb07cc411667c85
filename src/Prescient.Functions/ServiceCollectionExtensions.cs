using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Functions.Dashboard;
using Prescient.Functions.Durable;
using Prescient.Functions.Migration;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Migration;

namespace Prescient.Functions;

/// <summary>The Functions app's composition root.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The same registrations as every host (<c>AddPrescientPipeline</c>, <c>AddPrescientMigrations</c>,
    /// <c>AddPrescientOperationsApi</c>; Event Hubs ingest when a hub is configured; the migration activities when the
    /// hypervisor endpoints are), overriding what Azure does differently: the durable client comes from each
    /// invocation's binding, migrations are refused with the reason when no hypervisor is configured, and the API
    /// is authorised by function keys or Entra ID. Plus the dashboard's files.
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

        services.AddPrescientMigrations(configuration);
        var status = HypervisorSettings.Inspect(configuration);
        services.TryAddSingleton(status);
        services.AddHostedService<HypervisorSettingsReporter>();
        if (status.Enabled)
        {
            var hypervisor = configuration.GetSection(AppSettingNames.Hypervisor.Section);
            services.AddPrescientMigrationActivities(options =>
            {
                hypervisor.Bind(options);
                // Azure sets the fleet URI setting even when empty (per-host URIs only): no fleet then.
                if (string.IsNullOrWhiteSpace(hypervisor[AppSettingNames.Hypervisor.FleetBaseUri]))
                {
                    options.FleetBaseUri = null;
                }
            });
        }

        services.AddPrescientOperationsApi();

        // What Azure does differently.
        services.Replace(ServiceDescriptor.Singleton<IDurableClientProvider, InvocationDurableClient>());
        services.Replace(ServiceDescriptor.Singleton<IMigrationScheduler, FunctionsMigrationScheduler>());
        services.Replace(ServiceDescriptor.Singleton<IApiAuthorizer>(new FunctionsHostAuthorizer(protectReads: true)));
        services.TryAddSingleton(new StaticFileStore(Path.Combine(AppContext.BaseDirectory, "wwwroot")));
        return services;
    }
}
