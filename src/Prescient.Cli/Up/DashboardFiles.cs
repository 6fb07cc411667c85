using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Prescient.Cli.Up;

/// <summary>
/// The dashboard's files under <c>/api/dashboard/</c> (the same files the Functions app serves from its wwwroot) and
/// the OpenAPI document; <c>/</c> redirects to the dashboard.
/// </summary>
internal static class DashboardFiles
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

    public static void Map(WebApplication app, string dashboardRoot)
    {
        var root = Path.GetFullPath(dashboardRoot);
        app.MapGet("/", () => Results.Redirect("/api/dashboard/"));
        // Relative links in the page need the trailing slash: /api/dashboard redirects to /api/dashboard/.
        app.MapGet("/api/dashboard/{**path}", (HttpContext context, string? path) =>
            !string.IsNullOrEmpty(path) ? ServeFile(root, path)
            : context.Request.Path.Value?.EndsWith('/') == true ? ServeFile(root, "index.html")
            : Results.Redirect("/api/dashboard/"));
        app.MapGet("/api/openapi.json", () => ServeFile(root, "openapi.json"));
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
}
