using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Prescient.Pipeline.Hypervisor;

public static class HypervisorServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IHypervisorClient"/>: a typed <see cref="HttpClient"/> whose resilience pipeline has a
    /// per-attempt timeout and no retry strategy (the durable workflow retries transient faults itself, with back-off,
    /// inside its own step timeouts; retrying here too would multiply attempts and blow those timeouts).
    /// </summary>
    public static IServiceCollection AddHypervisorClient(this IServiceCollection services, Action<HypervisorClientOptions> configure)
    {
        services.AddOptions<HypervisorClientOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<IHypervisorClient, HypervisorClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("hypervisor", static (builder, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<HypervisorClientOptions>>().Value;
                builder.AddTimeout(options.AttemptTimeout);
            });
        return services;
    }
}
