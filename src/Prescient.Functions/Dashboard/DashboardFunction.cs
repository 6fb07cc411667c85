using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Prescient.Functions.Dashboard;

/// <summary>
/// Serves the dashboard's static files from the app's <c>wwwroot</c> folder under <c>/api/dashboard/</c>, and the
/// OpenAPI document at <c>/api/openapi.json</c>. The page reads the API with the caller's credentials, so serving
/// its files needs none.
/// </summary>
public sealed class DashboardFunction(StaticFileStore files)
{
    [Function("Dashboard")]
    public IActionResult Serve(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request,
        string? path) => files.Serve(request, string.IsNullOrEmpty(path) ? "index.html" : path);

    [Function("OpenApiDocument")]
    public IActionResult OpenApi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        files.Serve(request, "openapi.json");
}

/// <summary>Reads files below one root folder; refuses any path that leaves it.</summary>
public sealed class StaticFileStore(string root)
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".map"] = "application/json; charset=utf-8",
    };

    public string Root { get; } = Path.GetFullPath(root);

    public IActionResult Serve(HttpRequest request, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(request);
        var full = Path.GetFullPath(Path.Combine(Root, relativePath.Replace('\\', '/').TrimStart('/')));
        var inside = full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!inside || !File.Exists(full))
        {
            return new NotFoundResult();
        }

        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(full), "application/octet-stream");
        return new PhysicalFileResult(full, type);
    }
}
