using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Prescient.Pipeline.Api;

/// <summary>
/// The local host's defence against DNS rebinding: a page on another site whose name is made to resolve to
/// 127.0.0.1 reaches a loopback server with its own name in the <c>Host</c> header. A server that listens only on
/// loopback answers only requests addressed to a loopback name (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>,
/// any port); any other <c>Host</c> gets 421 Misdirected Request, before any endpoint runs.
/// </summary>
public static class LoopbackHostNames
{
    /// <summary>Whether a <c>Host</c> header value (with or without a port) names the loopback interface.</summary>
    public static bool IsLoopback(HostString host)
    {
        var name = host.Host;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        // localhost, or an IP literal of the loopback interface (127.0.0.1, [::1]); never a DNS name that merely
        // starts or ends like one (localhost.attacker.example, 127.0.0.1.nip.io).
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : name, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Answers 421 to every request whose <c>Host</c> is not a loopback name (register it first).</summary>
    public static IApplicationBuilder UseLoopbackHostNamesOnly(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (IsLoopback(context.Request.Host))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            var error = new ApiError(
                "misdirected-request",
                "This server answers only requests addressed to localhost, 127.0.0.1 or [::1]; the Host header named another name (a page using DNS rebinding, or a proxy). Nothing was read or changed.",
                []);
            await JsonSerializer.SerializeAsync(context.Response.Body, error, ApiJson.Options, context.RequestAborted);
        });
    }
}
