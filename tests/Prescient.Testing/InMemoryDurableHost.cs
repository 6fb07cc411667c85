using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;

namespace Prescient.Testing;

/// <summary>
/// Starts the in-memory durable backend. <see cref="DurableTaskTestHost"/> picks a random port in 30000-40000 for its
/// gRPC sidecar, which overlaps the kernel's ephemeral range: on a busy machine another socket can hold it. Try again
/// on a port the kernel has just handed out.
/// </summary>
public static class InMemoryDurableHost
{
    public static async Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> registry, DurableTaskTestHostOptions? options = null)
    {
        options ??= new DurableTaskTestHostOptions();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(registry, options);
            }
            catch (IOException e) when (attempt < 5 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                options.Port = FreePort();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
