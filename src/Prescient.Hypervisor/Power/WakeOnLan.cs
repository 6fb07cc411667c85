using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Prescient.Hypervisor.Power;

/// <summary>Wake-on-LAN: a UDP datagram of six 0xFF bytes followed by the target's MAC address sixteen times.</summary>
public static class WakeOnLan
{
    public static byte[] MagicPacket(string mac)
    {
        var address = ParseMac(mac);
        var packet = new byte[6 + (16 * 6)];
        packet.AsSpan(0, 6).Fill(0xFF);
        for (var i = 0; i < 16; i++)
        {
            address.CopyTo(packet, 6 + (i * 6));
        }

        return packet;
    }

    public static async Task SendAsync(string mac, string broadcastAddress, int port, CancellationToken cancellationToken)
    {
        var packet = MagicPacket(mac);
        using var udp = new UdpClient(AddressFamily.InterNetwork) { EnableBroadcast = true };
        var target = new IPEndPoint(IPAddress.Parse(broadcastAddress), port);

        // Sent three times: a sleeping NIC's wake logic can miss one datagram and nothing acknowledges it.
        for (var i = 0; i < 3; i++)
        {
            await udp.SendAsync(packet, target, cancellationToken);
        }
    }

    /// <summary>Six hex bytes separated by ':' or '-' (or none).</summary>
    public static byte[] ParseMac(string mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        var hex = mac.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (hex.Length != 12 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new FormatException($"'{mac}' is not a MAC address (six hex bytes such as aa:bb:cc:dd:ee:ff).");
        }

        return Enumerable.Range(0, 6).Select(i => byte.Parse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
    }
}
