using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Functions.Dashboard;
using Prescient.Functions.Storage;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions;

/// <summary>The Functions app's composition root.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the operations API (with the Azure authoriser: function keys or Entra ID), the settings store and its
    /// audit trail, and the dashboard's files. The pipeline services the triggers call (ingest, evaluate, retrain,
    /// read models) come from the pipeline's own registration.
    /// </summary>
    public static IServiceCollection AddPrescientFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => StorageClients.Create(configuration));
        services.TryAddSingleton<IApiAuthorizer>(new FunctionsHostAuthorizer(protectReads: true));
        services.TryAddSingleton(sp => new SettingsStore(
            sp.GetRequiredService<PrescientStorage>().Table(n => n.Settings), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ISettingsAuditLog>(sp =>
        {
            var storage = sp.GetRequiredService<PrescientStorage>();
            return new TableSettingsAuditLog(storage.Tables.GetTableClient(storage.Names.Prefix + "settingsaudit"));
        });
        services.AddPipelineServices(configuration);
        services.TryAddSingleton<SettingsHandler>();
        services.AddHostedService<StorageInitializer>();
        services.TryAddSingleton<OperationsApi>();
        services.TryAddSingleton(new StaticFileStore(Path.Combine(AppContext.BaseDirectory, "wwwroot")));
        return services;
    }
}
