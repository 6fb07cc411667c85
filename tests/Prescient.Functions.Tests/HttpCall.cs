using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Prescient.Functions.Tests;

/// <summary>The answer of an HTTP function, as a client would read it off the wire.</summary>
public sealed record HttpAnswer(int Status, IHeaderDictionary Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ETag => Headers.ETag.Count > 0 ? Headers.ETag.ToString() : null;

    public IReadOnlyList<string> Details => Json.GetProperty("details").EnumerateArray().Select(d => d.GetString()!).ToList();
}

/// <summary>
/// Calls an HTTP function the way the Functions host's ASP.NET Core integration does: a real
/// <see cref="DefaultHttpContext"/> with method, path, query, headers and body; the function's
/// <see cref="IActionResult"/> executed against the context; the response read back.
/// </summary>
public static class HttpCall
{
    private static readonly IServiceProvider ResultServices = new ServiceCollection()
        .AddLogging()
        .AddSingleton<IActionResultExecutor<PhysicalFileResult>, PhysicalFileResultExecutor>()
        .BuildServiceProvider();

    public static HttpContext Request(string method, string pathAndQuery, object? json = null, string? rawBody = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext { RequestServices = ResultServices };
        var questionMark = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        context.Request.Method = method;
        context.Request.Path = questionMark < 0 ? pathAndQuery : pathAndQuery[..questionMark];
        context.Request.QueryString = questionMark < 0 ? QueryString.Empty : new QueryString(pathAndQuery[questionMark..]);
        context.Request.Query = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(context.Request.QueryString.Value));
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        var body = rawBody ?? (json is null ? null : JsonSerializer.Serialize(json, Pipeline.Api.ApiJson.Options));
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            // A Content-Type among the headers wins (an empty one sends none); JSON otherwise.
            var contentType = headers.Where(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).LastOrDefault();
            context.Request.ContentType = contentType is null ? "application/json" : contentType.Length == 0 ? null : contentType;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    public static async Task<HttpAnswer> RunAsync(HttpContext context, Func<HttpRequest, Task<IActionResult>> function)
    {
        var result = await function(context.Request);
        return await ExecuteAsync(context, result);
    }

    public static async Task<HttpAnswer> ExecuteAsync(HttpContext context, IActionResult result)
    {
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return new HttpAnswer(context.Response.StatusCode, context.Response.Headers, await reader.ReadToEndAsync());
    }
}
