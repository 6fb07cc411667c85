using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Hypervisor;

namespace Prescient.Pipeline.Migration;

public static class MigrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the migration activities and the scheduler need: the hypervisor client, the VM lease store and
    /// the migrations table on <paramref name="tables"/>, and <see cref="MigrationActivities"/>. The durable client
    /// and worker are registered by the host (the local runtime, or the Functions app).
    /// </summary>
    public static IServiceCollection AddPrescientMigrations(
        this IServiceCollection services,
        TableServiceClient tables,
        Action<HypervisorClientOptions> configureHypervisor,
        IEnumerable<string> hostIds,
        Action<MigrationOptions>? configure = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IVmLeaseStore>(sp => new VmLeaseStore(tables, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMigrationRecordStore>(new MigrationRecordStore(tables));
        return services.AddMigrationCore(configureHypervisor, hostIds, configure);
    }

    /// <summary>The same with leases and records kept in memory (fast tests and dry runs).</summary>
    public static IServiceCollection AddPrescientMigrationsInMemory(
        this IServiceCollection services,
        Action<HypervisorClientOptions> configureHypervisor,
        IEnumerable<string> hostIds,
        Action<MigrationOptions>? configure = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IVmLeaseStore>(sp => new InMemoryVmLeaseStore(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMigrationRecordStore, InMemoryMigrationRecordStore>();
        return services.AddMigrationCore(configureHypervisor, hostIds, configure);
    }

    private static IServiceCollection AddMigrationCore(
        this IServiceCollection services,
        Action<HypervisorClientOptions> configureHypervisor,
        IEnumerable<string> hostIds,
        Action<MigrationOptions>? configure)
    {
        services.AddHypervisorClient(configureHypervisor);
        services.AddOptions<MigrationOptions>().Configure(o => configure?.Invoke(o)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MigrationOptions>, MigrationOptionsValidator>();
        services.AddSingleton<IHostDirectory>(new StaticHostDirectory(hostIds));
        services.AddSingleton<MigrationActivities>();
        services.AddSingleton<IMigrationScheduler, DurableMigrationScheduler>();
        return services;
    }
}

/// <summary>Refuses a migration policy that makes no sense, with the policy's own message.</summary>
internal sealed class MigrationOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        try
        {
            options.Policy.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail("Migration:Policy: " + e.Message);
        }
    }
}
