using Prescient.Functions.Dashboard;

namespace Prescient.Functions.Tests;

/// <summary>The dashboard's static files and the OpenAPI document, served from the build output.</summary>
public sealed class DashboardFunctionTests
{
    private static readonly DashboardFunction Function =
        new(new StaticFileStore(Path.Combine(FunctionsMetadataTests.OutputDirectory(), "wwwroot")));

    private static Task<HttpAnswer> GetAsync(string path)
    {
        var context = HttpCall.Request("GET", "/api/dashboard/" + path);
        return HttpCall.ExecuteAsync(context, Function.Serve(context.Request, path));
    }

    [Fact]
    public async Task The_index_page_is_served_as_html_without_credentials()
    {
        var answer = await GetAsync("");
        Assert.Equal(200, answer.Status);
        Assert.StartsWith("text/html", answer.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Contains("<title>Prescient", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../host.json")]
    [InlineData("../../Prescient.Functions.dll")]
    [InlineData("/etc/passwd")]
    [InlineData("missing.js")]
    public async Task Paths_outside_the_dashboard_folder_or_missing_files_are_404(string path)
    {
        var answer = await GetAsync(path);
        Assert.Equal(404, answer.Status);
        Assert.Equal("", answer.Body);
    }

    [Fact]
    public async Task The_openapi_document_is_served()
    {
        var context = HttpCall.Request("GET", "/api/openapi.json");
        var answer = await HttpCall.ExecuteAsync(context, Function.OpenApi(context.Request));
        Assert.Equal(200, answer.Status);
        Assert.Equal("3.0.3", answer.Json.GetProperty("openapi").GetString());
    }
}
