namespace Prescient.Pipeline.Api.Auth;

/// <summary>
/// Azure protection. The Functions host validates function keys (AuthorizationLevel.Function) and App Service
/// authentication validates Entra ID tokens before a request reaches the worker; the platform removes client-sent
/// <c>X-MS-CLIENT-PRINCIPAL*</c> headers. This check is the worker-side guard: a request must carry a function key
/// (<c>x-functions-key</c> header or <c>code</c> query) or an authenticated Entra ID principal; reads may be opened
/// to any caller the platform let through with <c>protectReads: false</c>.
/// </summary>
public sealed class FunctionsHostAuthorizer(bool protectReads = true) : IApiAuthorizer
{
    public ValueTask<ApiAuthResult> AuthorizeAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var principal = request.Header("X-MS-CLIENT-PRINCIPAL-NAME") ?? request.Header("X-MS-CLIENT-PRINCIPAL-ID");
        if (!string.IsNullOrWhiteSpace(principal))
        {
            return ValueTask.FromResult(ApiAuthResult.Allow($"entra:{principal}"));
        }

        if (!string.IsNullOrWhiteSpace(request.Header("x-functions-key")) || !string.IsNullOrWhiteSpace(request.QueryValue("code")))
        {
            return ValueTask.FromResult(ApiAuthResult.Allow("function-key"));
        }

        if (!request.IsMutating && !protectReads)
        {
            return ValueTask.FromResult(ApiAuthResult.Allow("anonymous"));
        }

        return ValueTask.FromResult(ApiAuthResult.Deny(
            "Credentials are required: a function key ('x-functions-key' header) or an Entra ID sign-in."));
    }
}
