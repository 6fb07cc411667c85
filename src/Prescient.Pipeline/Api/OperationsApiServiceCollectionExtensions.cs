using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Api;

/// <summary>Composition of the operations API, shared by every host (the Functions app, <c>up</c>).</summary>
public static class OperationsApiServiceCollectionExtensions
{
    /// <summary>
    /// The operations API over the pipeline's stores: hosts, decisions, migrations (cancel and purge through the
    /// durable client of <see cref="IDurableClientProvider"/>), settings with their audit trail. The host registers
    /// its <see cref="Auth.IApiAuthorizer"/> (function keys or Entra ID in Azure, a bearer token locally). Needs
    /// <c>AddPrescientPipeline</c> and <c>AddPrescientMigrations</c>.
    /// </summary>
    public static IServiceCollection AddPrescientOperationsApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISettingsAuditLog>(sp =>
        {
            var storage = sp.GetRequiredService<PrescientStorage>();
            return new SettingsAuditLog(
                sp.GetRequiredService<SettingsStore>(), storage.Tables.GetTableClient(storage.Names.Prefix + SettingsAuditLog.EarlierTableSuffix));
        });
        services.TryAddSingleton<SettingsHandler>();
        services.TryAddSingleton<IDecisionLog, StoreDecisionLog>();
        services.TryAddSingleton<IHostReadModel, StoreHostReadModel>();
        services.TryAddSingleton<IMigrationControl>(sp => new DurableMigrationControl(
            sp.GetRequiredService<IMigrationRecordStore>(), () => sp.GetRequiredService<IDurableClientProvider>().Client));
        services.TryAddSingleton<IMigrationHistory, StoreMigrationHistory>();
        services.TryAddSingleton<OperationsApi>();
        return services;
    }
}
