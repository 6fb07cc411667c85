using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Functions.Dashboard;
using Prescient.Functions.Storage;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Functions;

/// <summary>The Functions app's composition root.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the operations API (with the Azure authoriser: function keys or Entra ID), the settings store, and
    /// the dashboard's files. The pipeline services the triggers call (ingest, evaluate, retrain, read models) come
    /// from the pipeline's own registration.
    /// </summary>
    public static IServiceCollection AddPrescientFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IApiAuthorizer>(new FunctionsHostAuthorizer(protectReads: true));
        services.TryAddSingleton(_ => StorageClients.CreateTableServiceClient(configuration));
        services.TryAddSingleton<ISettingsRepository>(sp => new TableSettingsRepository(
            sp.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableSettingsRepository.DefaultTableName)));
        services.TryAddSingleton<OperationsApi>();
        services.TryAddSingleton(new StaticFileStore(Path.Combine(AppContext.BaseDirectory, "wwwroot")));
        return services;
    }
}
