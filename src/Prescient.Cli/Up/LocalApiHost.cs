using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.DeadLetters;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Cli.Up;

/// <summary>
/// The operations API and the dashboard on 127.0.0.1: <c>/api/...</c> goes to the same <see cref="OperationsApi"/>
/// handlers the Functions app serves, <c>/api/dashboard/...</c> serves the dashboard's files (the same files the
/// Functions app serves from its wwwroot). Reads are open on loopback; changes need the generated bearer token.
/// </summary>
public sealed class LocalApiHost : IAsyncDisposable
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    private readonly WebApplication _app;

    private LocalApiHost(WebApplication app, Uri baseAddress, string token)
    {
        _app = app;
        BaseAddress = baseAddress;
        Token = token;
    }

    /// <summary>e.g. http://127.0.0.1:7071/</summary>
    public Uri BaseAddress { get; }

    public string Token { get; }

    public static async Task<LocalApiHost> StartAsync(
        LocalReadModels readModels,
        SettingsHandler settings,
        DeadLettersHandler deadLetters,
        string token,
        TimeProvider clock,
        string dashboardRoot,
        int port,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readModels);
        var authorizer = new BearerTokenAuthorizer(token);
        var api = new OperationsApi(authorizer, readModels, settings, readModels, readModels, deadLetters, clock, loggerFactory.CreateLogger<OperationsApi>());
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(api);
        var app = builder.Build();
        // DNS rebinding: only requests addressed to a loopback name are answered (421 otherwise).
        app.UseLoopbackHostNamesOnly();
        var root = Path.GetFullPath(dashboardRoot);
        app.MapGet("/", () => Results.Redirect("/api/dashboard/"));
        // Relative links in the page need the trailing slash: /api/dashboard redirects to /api/dashboard/.
        app.MapGet("/api/dashboard/{**path}", (HttpContext context, string? path) =>
            !string.IsNullOrEmpty(path) ? ServeFile(root, path)
            : context.Request.Path.Value?.EndsWith('/') == true ? ServeFile(root, "index.html")
            : Results.Redirect("/api/dashboard/"));
        app.MapGet("/api/openapi.json", () => ServeFile(root, "openapi.json"));
        // The same ASP.NET Core bridge the Functions app uses: every other /api route goes to the operations API.
        app.MapOperationsApi();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalApiHost(app, new Uri(address.TrimEnd('/') + "/"), token);
    }

    private static IResult ServeFile(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative.Replace('\\', '/').TrimStart('/')));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return Results.NotFound();
        }

        return Results.File(full, ContentTypes.GetValueOrDefault(Path.GetExtension(full), "application/octet-stream"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
