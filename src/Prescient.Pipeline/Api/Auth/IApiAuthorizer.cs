namespace Prescient.Pipeline.Api.Auth;

/// <summary>The outcome of an authorisation check: who is calling (for the audit trail), or why not.</summary>
public sealed record ApiAuthResult(bool Allowed, string? Actor, string? Reason)
{
    public static ApiAuthResult Allow(string actor) => new(true, actor, null);

    public static ApiAuthResult Deny(string reason) => new(false, null, reason);
}

/// <summary>
/// The pluggable credential check of the operations API. Every request passes through it before a handler runs;
/// a mutating request (anything but GET/HEAD/OPTIONS) that is not allowed gets 401 and changes nothing.
/// Implementations: <see cref="BearerTokenAuthorizer"/> (local host on 127.0.0.1 with a generated token) and
/// <see cref="FunctionsHostAuthorizer"/> (Azure: function keys or Entra ID checked by the platform).
/// </summary>
public interface IApiAuthorizer
{
    ValueTask<ApiAuthResult> AuthorizeAsync(ApiRequest request, CancellationToken cancellationToken);
}
