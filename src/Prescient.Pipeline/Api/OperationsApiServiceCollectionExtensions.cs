using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prescient.Pipeline.Api.DeadLetters;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Api;

/// <summary>Composition of the operations API, shared by every host that serves it (the Functions app, <c>up</c>).</summary>
public static class OperationsApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OperationsApi"/> and its handlers and read models over the pipeline's stores (register
    /// the pipeline first: <c>AddPrescientPipeline</c>). The host registers what differs: the
    /// <see cref="Auth.IApiAuthorizer"/> (function keys or Entra ID in Azure, a bearer token locally), the
    /// <see cref="IMigrationControl"/> (its durable client) and <c>IMigrationRecordStore</c>; anything it registers
    /// before this call (for example its own read models) wins.
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
        services.TryAddSingleton<DeadLettersHandler>();
        services.TryAddSingleton<IDecisionLog, StoreDecisionLog>();
        services.TryAddSingleton<IHostReadModel, StoreHostReadModel>();
        services.TryAddSingleton<IMigrationHistory, StoreMigrationHistory>();
        services.TryAddSingleton<OperationsApi>();
        return services;
    }
}
