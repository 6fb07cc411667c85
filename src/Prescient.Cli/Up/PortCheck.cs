using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Prescient.Cli.Up;

/// <summary>Whether the API's port on 127.0.0.1 is free, checked before anything starts (so a clash costs no start-up).</summary>
public static class PortCheck
{
    /// <summary>Null when <paramref name="port"/> can be bound on 127.0.0.1 (or is 0); otherwise what to tell the user.</summary>
    public static string? DescribeClash(int port)
    {
        if (port == 0)
        {
            return null;
        }

        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return Describe(port, e.SocketErrorCode == SocketError.AccessDenied ? "may not be used by this user" : "is in use (another prescient up, or another program)");
        }
    }

    /// <summary>The message for a port that could not be bound, for the check above and for a bind that lost a race after it.</summary>
    public static string Describe(int port, string why) => string.Create(CultureInfo.InvariantCulture,
        $"Port {port} on 127.0.0.1 {why}. Use another port: --port {(port < 65535 ? port + 1 : 7071)}, or --port 0 for any free one.");
}
