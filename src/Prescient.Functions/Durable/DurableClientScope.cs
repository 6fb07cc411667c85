using Microsoft.DurableTask.Client;

namespace Prescient.Functions.Durable;

/// <summary>
/// The durable client of the current function invocation. In the isolated worker the client comes from the
/// <c>[DurableClient]</c> binding, per invocation; the functions that need it (evaluate, the migrations API) put it
/// here for the services they call (the migration scheduler, cancel and purge).
/// </summary>
public static class DurableClientScope
{
    private static readonly AsyncLocal<DurableTaskClient?> Ambient = new();

    public static DurableTaskClient Current =>
        Ambient.Value ?? throw new InvalidOperationException("No durable client in this invocation: the function must bind [DurableClient] and call DurableClientScope.Use.");

    public static IDisposable Use(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var previous = Ambient.Value;
        Ambient.Value = client;
        return new Restore(previous);
    }

    private sealed class Restore(DurableTaskClient? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
