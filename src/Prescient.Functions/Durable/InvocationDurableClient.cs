using Prescient.Pipeline.Migration;

namespace Prescient.Functions.Durable;

/// <summary>The durable client of the current invocation (<see cref="DurableClientScope"/>).</summary>
public sealed class InvocationDurableClient : IDurableClientProvider
{
    public Microsoft.DurableTask.Client.DurableTaskClient Client => DurableClientScope.Current;
}
