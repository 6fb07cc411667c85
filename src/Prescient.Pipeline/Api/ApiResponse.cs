using System.Net;

namespace Prescient.Pipeline.Api;

/// <summary>
/// A response of the operations API: a status, an optional JSON body (serialised with <see cref="ApiJson.Options"/>)
/// and an optional ETag. Errors carry an <see cref="ApiError"/> body.
/// </summary>
public sealed record ApiResponse(int StatusCode, object? Body, string? ETag = null)
{
    /// <summary>Further response headers (for example <c>WWW-Authenticate</c> on 401).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static ApiResponse Ok(object body, string? etag = null) => new((int)HttpStatusCode.OK, body, etag);

    public static ApiResponse Accepted(object body) => new((int)HttpStatusCode.Accepted, body);

    public static ApiResponse Error(HttpStatusCode status, string error, string message, IReadOnlyList<string>? details = null) =>
        new((int)status, new ApiError(error, message, details ?? []));

    public static ApiResponse BadRequest(string message, IReadOnlyList<string>? details = null) =>
        Error(HttpStatusCode.BadRequest, "invalid-request", message, details);

    public static ApiResponse Unauthorized(string message) =>
        Error(HttpStatusCode.Unauthorized, "unauthorized", message) with
        {
            Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" },
        };

    public static ApiResponse NotFound(string message) => Error(HttpStatusCode.NotFound, "not-found", message);

    public static ApiResponse MethodNotAllowed(string method, string path, string allowed) =>
        Error(HttpStatusCode.MethodNotAllowed, "method-not-allowed", $"{method} is not allowed on /api{path}; allowed: {allowed}.");
}

/// <summary>The body of every error response: a stable code, a sentence for people, and details (one per problem).</summary>
public sealed record ApiError(string Error, string Message, IReadOnlyList<string> Details);
