using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Prescient.Pipeline.Api;

/// <summary>
/// Turns an ASP.NET Core request into an <see cref="ApiRequest"/> and an <see cref="ApiResponse"/> into an
/// <see cref="IActionResult"/>: the Functions app's HTTP functions call <see cref="HandleAsync"/>, and a plain ASP.NET
/// Core host (the local pipeline) maps every route with <see cref="MapOperationsApi"/>.
/// </summary>
public static class AspNetCoreApiBridge
{
    /// <summary>Maps <c>/api/{**path}</c> (every method) to the <see cref="OperationsApi"/> registered in the container.</summary>
    public static IEndpointConventionBuilder MapOperationsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map(ApiPrefix + "/{**path}", async context =>
        {
            var api = context.RequestServices.GetRequiredService<OperationsApi>();
            var result = await HandleAsync(api, context.Request, context.RequestAborted);
            await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
        });
    }

    public const string ApiPrefix = "/api";
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<IActionResult> HandleAsync(OperationsApi api, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBodyBytes)
        {
            return new ApiActionResult(ApiResponse.Error(System.Net.HttpStatusCode.RequestEntityTooLarge, "too-large",
                $"The request body is larger than {MaxBodyBytes} bytes."));
        }

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return new ApiActionResult(ApiResponse.Error(System.Net.HttpStatusCode.RequestEntityTooLarge, "too-large",
                $"The request body is larger than {MaxBodyBytes} bytes."));
        }

        var path = request.Path.Value ?? "/";
        if (path.StartsWith(ApiPrefix + "/", StringComparison.OrdinalIgnoreCase) || path.Equals(ApiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            path = path[ApiPrefix.Length..];
        }

        var apiRequest = ApiRequest.Create(
            request.Method,
            path.Length == 0 ? "/" : path,
            request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
            request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            body);
        var response = await api.HandleAsync(apiRequest, cancellationToken);
        return new ApiActionResult(response);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Writes an <see cref="ApiResponse"/>: status, ETag and other headers, JSON body.</summary>
public sealed class ApiActionResult(ApiResponse response) : IActionResult
{
    public ApiResponse Response { get; } = response;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext.Response;
        http.StatusCode = Response.StatusCode;
        if (Response.ETag is not null)
        {
            http.Headers.ETag = Response.ETag;
        }

        foreach (var (name, value) in Response.Headers)
        {
            http.Headers[name] = value;
        }

        http.Headers.CacheControl = "no-store";
        if (Response.Body is not null)
        {
            http.ContentType = "application/json; charset=utf-8";
            await JsonSerializer.SerializeAsync(http.Body, Response.Body, Response.Body.GetType(), ApiJson.Options, context.HttpContext.RequestAborted);
        }
    }
}
