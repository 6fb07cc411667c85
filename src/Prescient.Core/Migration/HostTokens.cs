using System.Security.Cryptography;
using System.Text;

namespace Prescient.Core.Migration;

/// <summary>
/// Per-host bearer tokens derived from one fleet secret: HMAC-SHA256(secret, "host:" + hostId), base64url. A host
/// accepts only its own token, so a leaked token opens one host, and the fleet needs a single secret to provision.
/// </summary>
public static class HostTokens
{
    public static string Derive(string fleetSecret, string hostId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fleetSecret);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(fleetSecret), Encoding.UTF8.GetBytes("host:" + hostId));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Constant-time comparison of a presented token with the expected one.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
