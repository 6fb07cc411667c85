using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Retention;

/// <summary>Composition of retention, shared by every host.</summary>
public static class RetentionServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RetentionService"/> (options from <c>Prescient:Pipeline:Retention</c>; register the
    /// pipeline first). The host provides <see cref="IMigrationControl"/> and <see cref="IMigrationRecordStore"/>.
    /// <paramref name="runInProcess"/> also registers <see cref="RetentionBackgroundService"/>, for hosts without a
    /// timer trigger; the Functions app runs it from its timer function.
    /// </summary>
    public static IServiceCollection AddPrescientRetention(this IServiceCollection services, bool runInProcess = false)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new RetentionService(
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Retention,
            sp.GetRequiredService<IMigrationRecordStore>(),
            sp.GetRequiredService<IMigrationControl>(),
            sp.GetRequiredService<DecisionStore>(),
            sp.GetRequiredService<HostStateStore>(),
            sp.GetRequiredService<DeadLetterStore>(),
            sp.GetRequiredService<TimeProvider>(),
            // Orchestration histories are stamped by the durable runtime, in real time (the pipeline's clock may be simulated).
            TimeProvider.System,
            sp.GetRequiredService<ILogger<RetentionService>>()));
        if (runInProcess)
        {
            services.AddHostedService<RetentionBackgroundService>();
        }

        return services;
    }
}
