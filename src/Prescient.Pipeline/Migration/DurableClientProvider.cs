using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// Where the migration scheduler and the operations API find the durable client. Each host provides it: the Functions
/// app per invocation (its <c>[DurableClient]</c> binding), the local host from its durable runtime; by default the
/// container's <see cref="DurableTaskClient"/>.
/// </summary>
public interface IDurableClientProvider
{
    DurableTaskClient Client { get; }
}

/// <summary>The container's <see cref="DurableTaskClient"/> (tests, and hosts that register one).</summary>
internal sealed class ContainerDurableClientProvider(IServiceProvider services) : IDurableClientProvider
{
    public DurableTaskClient Client => services.GetRequiredService<DurableTaskClient>();
}

/// <summary>A client set once the durable runtime has started (the local host starts it after composing the services).</summary>
public sealed class DeferredDurableClientProvider : IDurableClientProvider
{
    private DurableTaskClient? _client;

    public DurableTaskClient Client => _client ?? throw new InvalidOperationException("The durable runtime has not started yet.");

    public void Set(DurableTaskClient client) => _client = client ?? throw new ArgumentNullException(nameof(client));
}
