using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Migration;

/// <summary>Composition of the migration workflows' services, shared by every host (the Functions app, <c>up</c>).</summary>
public static class MigrationServiceCollectionExtensions
{
    /// <summary>
    /// The migration services every host registers: the migrations table and the VM leases on the pipeline's storage
    /// account (named with its prefix; leases expire on the pipeline's clock), the migration options (bound from the
    /// <see cref="MigrationOptions.SectionName"/> section when <paramref name="configuration"/> is given, then
    /// <paramref name="configure"/>; validated at start-up), and the durable scheduler. The host provides the durable
    /// client (<see cref="IDurableClientProvider"/>; default: the container's <c>DurableTaskClient</c>).
    /// Needs <c>AddPrescientPipeline</c> (storage, clock).
    /// </summary>
    public static IServiceCollection AddPrescientMigrations(this IServiceCollection services, IConfiguration? configuration = null, Action<MigrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMigrationRecordStore>(sp =>
        {
            var storage = sp.GetRequiredService<PrescientStorage>();
            return new MigrationRecordStore(storage.Tables, storage.Names.Migrations);
        });
        services.TryAddSingleton<IVmLeaseStore>(sp =>
        {
            var storage = sp.GetRequiredService<PrescientStorage>();
            return new VmLeaseStore(storage.Tables, sp.GetRequiredService<TimeProvider>(), storage.Names.VmLeases);
        });
        return services.AddSchedulerAndOptions(configuration, configure);
    }

    /// <summary>
    /// The workflows' activities and what they call: the hypervisor client (<paramref name="configureHypervisor"/>,
    /// validated at start-up) and the power-state recorder (the hosts table the evaluator reads). A host without
    /// hypervisor endpoints leaves this out: nothing could migrate. Also the <see cref="MigrationReconciler"/>.
    /// </summary>
    public static IServiceCollection AddPrescientMigrationActivities(this IServiceCollection services, Action<HypervisorClientOptions> configureHypervisor)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHypervisorClient(configureHypervisor);
        services.TryAddSingleton<IHostPowerStateRecorder>(sp => new HostStatePowerRecorder(sp.GetRequiredService<HostStateStore>()));
        services.TryAddSingleton<MigrationActivities>();
        services.TryAddSingleton<MigrationReconciler>();
        return services;
    }

    /// <summary>Test rigs without the pipeline: leases and records on <paramref name="tables"/> (default table names), and the activities.</summary>
    public static IServiceCollection AddPrescientMigrationsOnTables(
        this IServiceCollection services,
        TableServiceClient tables,
        Action<HypervisorClientOptions> configureHypervisor,
        Action<MigrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IVmLeaseStore>(sp => new VmLeaseStore(tables, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IMigrationRecordStore>(new MigrationRecordStore(tables));
        services.AddHypervisorClient(configureHypervisor);
        services.TryAddSingleton<MigrationActivities>();
        services.TryAddSingleton<MigrationReconciler>();
        return services.AddSchedulerAndOptions(null, configure);
    }

    /// <summary>The same with leases and records kept in memory (fast tests and dry runs).</summary>
    public static IServiceCollection AddPrescientMigrationsInMemory(
        this IServiceCollection services,
        Action<HypervisorClientOptions> configureHypervisor,
        Action<MigrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IVmLeaseStore>(sp => new InMemoryVmLeaseStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IMigrationRecordStore, InMemoryMigrationRecordStore>();
        services.AddHypervisorClient(configureHypervisor);
        services.TryAddSingleton<MigrationActivities>();
        services.TryAddSingleton<MigrationReconciler>();
        return services.AddSchedulerAndOptions(null, configure);
    }

    private static IServiceCollection AddSchedulerAndOptions(this IServiceCollection services, IConfiguration? configuration, Action<MigrationOptions>? configure)
    {
        var options = services.AddOptions<MigrationOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(MigrationOptions.SectionName));
        }

        options.Configure(o => configure?.Invoke(o)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MigrationOptions>, MigrationOptionsValidator>());
        services.TryAddSingleton<IDurableClientProvider, ContainerDurableClientProvider>();
        services.TryAddSingleton<DurableMigrationScheduler>();
        services.TryAddSingleton<IMigrationScheduler>(sp => sp.GetRequiredService<DurableMigrationScheduler>());
        return services;
    }
}
