using System.Text.Json;
using Prescient.Pipeline.Api;

namespace Prescient.Functions.Tests;

/// <summary>docs/api.openapi.json describes exactly the routes the handlers answer, and each answers through its function.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiDocumentAzuriteTests(AzuriteFixture azurite)
{
    private static JsonElement Document() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsMetadataTests.RepositoryRoot(), "docs", "api.openapi.json"))).RootElement;

    [Fact]
    public void The_document_lists_every_route_and_method_and_no_other()
    {
        var documented = Document().GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name != "parameters").Select(op => (op.Name.ToUpperInvariant(), path.Name)))
            .Order()
            .ToList();
        Assert.Equal(OperationsApi.Routes.Order().ToList(), documented);
    }

    [Fact]
    public void Every_operation_documents_401_and_names_its_security_schemes()
    {
        foreach (var path in Document().GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(op => op.Name != "parameters"))
            {
                Assert.True(operation.Value.GetProperty("responses").TryGetProperty("401", out _), $"{operation.Name} {path.Name} lacks 401");
                Assert.Equal(3, operation.Value.GetProperty("security").GetArrayLength());
            }
        }
    }

    [Fact]
    public async Task Every_documented_route_is_answered_by_its_function()
    {
        var app = TestApp.OnAzurite(azurite);
        await app.DeadLetters.WriteAsync(
            [(new Prescient.Telemetry.TelemetryRejection("invalid-json", "r", null, null, null, "{"u8.ToArray()), new Pipeline.Storage.PayloadOrigin("queue:q", "1", app.Time.GetUtcNow()))],
            CancellationToken.None);
        var deadLetter = (await app.GetAsync("/api/deadletters")).Json.GetProperty("deadLetters")[0].GetProperty("id").GetString()!;
        foreach (var (method, template) in OperationsApi.Routes)
        {
            var id = template.StartsWith("/hosts", StringComparison.Ordinal) ? "h1" : template.StartsWith("/deadletters", StringComparison.Ordinal) ? deadLetter : "m3";
            var path = "/api" + template
                .Replace("{id}", id, StringComparison.Ordinal)
                .Replace("{scope}", "hosts/h1", StringComparison.Ordinal);
            var answer = await app.CallAsync(method, path, rawBody: method == "PUT" ? "{}" : null, headers: [TestApp.FunctionKey, ("If-Match", "*")]);
            Assert.True(answer.Status is not (404 or 405 or 500), $"{method} {path} answered {answer.Status}: {answer.Body}");
        }
    }
}
