using System.Security.Cryptography;
using System.Text;

namespace Prescient.Pipeline.Api.Auth;

/// <summary>
/// Local protection: the host binds to 127.0.0.1 and generates a token at start; callers send
/// <c>Authorization: Bearer &lt;token&gt;</c>. Reads are open on loopback unless <c>protectReads</c> is set;
/// mutating calls always need the token. Comparison is constant-time.
/// </summary>
public sealed class BearerTokenAuthorizer : IApiAuthorizer
{
    private readonly byte[] _token;
    private readonly bool _protectReads;

    public BearerTokenAuthorizer(string token, bool protectReads = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        if (token.Length < 16)
        {
            throw new ArgumentException("The API token must be at least 16 characters long.", nameof(token));
        }

        _token = Encoding.UTF8.GetBytes(token);
        _protectReads = protectReads;
    }

    /// <summary>A new random token (256 bits, URL-safe base64) for a local run.</summary>
    public static string GenerateToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public ValueTask<ApiAuthResult> AuthorizeAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Header("Authorization");
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            return ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(presented, _token)
                ? ApiAuthResult.Allow("local-token")
                : ApiAuthResult.Deny("The bearer token is not valid."));
        }

        if (!request.IsMutating && !_protectReads)
        {
            return ValueTask.FromResult(ApiAuthResult.Allow("anonymous-loopback"));
        }

        return ValueTask.FromResult(ApiAuthResult.Deny(
            "Credentials are required: send 'Authorization: Bearer <token>' with the token printed by the local host."));
    }
}
