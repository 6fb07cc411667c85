using System.Reflection;
using System.Text.Json;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Migration;

namespace Prescient.Functions.Tests;

/// <summary>
/// The Functions host cannot run here; what it would load is the <c>functions.metadata</c> the SDK writes at build
/// time. These tests read the file the build of src/Prescient.Functions produced (built before this project, which
/// references it) and check every function and its trigger.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonElement[]> Functions = new(Load);

    public static TheoryData<string, string> ExpectedTriggers => new()
    {
        { "TelemetryEventHubDrain", "timerTrigger" },
        { "TelemetryQueueIngest", "queueTrigger" },
        { "Evaluate", "timerTrigger" },
        { "RetrainTimer", "timerTrigger" },
        { "Retention", "timerTrigger" },
        { "RetrainFleet", "orchestrationTrigger" },
        { "RetrainListHosts", "activityTrigger" },
        { "RetrainHost", "activityTrigger" },
        { "RetrainHosts", "activityTrigger" },
        { "RetrainFleetModel", "activityTrigger" },
        { "ApiHosts", "httpTrigger" },
        { "ApiSettings", "httpTrigger" },
        { "ApiDecisions", "httpTrigger" },
        { "ApiMigrations", "httpTrigger" },
        { "ApiDeadLetters", "httpTrigger" },
        { "Dashboard", "httpTrigger" },
        { "OpenApiDocument", "httpTrigger" },
        { MigrationTaskNames.MigrateOrchestrator, "orchestrationTrigger" },
        { MigrationTaskNames.EvacuateOrchestrator, "orchestrationTrigger" },
        { MigrationTaskNames.AcquireLeases, "activityTrigger" },
        { MigrationTaskNames.ReleaseLeases, "activityTrigger" },
        { MigrationTaskNames.RecordMigration, "activityTrigger" },
        { MigrationTaskNames.GetHostStatus, "activityTrigger" },
        { MigrationTaskNames.SetHostPower, "activityTrigger" },
        { MigrationTaskNames.Prepare, "activityTrigger" },
        { MigrationTaskNames.StartRound, "activityTrigger" },
        { MigrationTaskNames.GetRound, "activityTrigger" },
        { MigrationTaskNames.Quiesce, "activityTrigger" },
        { MigrationTaskNames.Resume, "activityTrigger" },
        { MigrationTaskNames.Finish, "activityTrigger" },
        { MigrationTaskNames.Abort, "activityTrigger" },
    };

    [Fact]
    public void Every_migration_task_the_workflows_call_has_a_function()
    {
        var names = typeof(MigrationTaskNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);
        foreach (var name in names)
        {
            Assert.NotEqual(JsonValueKind.Undefined, Find(name).ValueKind);
        }
    }

    [Theory]
    [MemberData(nameof(ExpectedTriggers))]
    public void Every_function_is_listed_with_its_trigger(string name, string trigger)
    {
        var function = Find(name);
        Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
        Assert.Equal("Prescient.Functions.dll", function.GetProperty("scriptFile").GetString());
        var triggers = Bindings(function).Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
        var only = Assert.Single(triggers);
        Assert.Equal(trigger, only.GetProperty("type").GetString());
        Assert.Equal("In", only.GetProperty("direction").GetString());
    }

    [Fact]
    public void No_function_is_listed_that_the_tests_do_not_know()
    {
        var expected = ExpectedTriggers.Select(row => (string)row[0]).ToHashSet();
        var listed = Functions.Value.Select(f => f.GetProperty("name").GetString()!).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal([], listed.Where(n => !expected.Contains(n)).ToList());
    }

    [Theory]
    [InlineData("ApiHosts", "hosts/{id?}/{part?}", "function", new[] { "get" })]
    [InlineData("ApiSettings", "settings/{*scope}", "function", new[] { "get", "put", "delete" })]
    [InlineData("ApiDecisions", "decisions/{part?}", "function", new[] { "get", "put" })]
    [InlineData("ApiMigrations", "migrations/{id?}/{action?}", "function", new[] { "get", "post", "delete" })]
    [InlineData("ApiDeadLetters", "deadletters/{id?}", "function", new[] { "get" })]
    [InlineData("Dashboard", "dashboard/{*path}", "anonymous", new[] { "get" })]
    [InlineData("OpenApiDocument", "openapi.json", "anonymous", new[] { "get" })]
    public void Http_functions_have_their_route_methods_and_authorization_level(string name, string route, string level, string[] methods)
    {
        var trigger = Bindings(Find(name)).Single(b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(level, trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        Assert.Equal(methods.Order(), trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order());
    }

    /// <summary>
    /// Each route of the operations API, with sample values (the deepest settings scope included), reaches exactly one
    /// HTTP function whose methods include the route's, by the ASP.NET Core route templates the Functions host uses.
    /// </summary>
    [Fact]
    public void Every_api_route_and_method_reaches_exactly_one_http_function()
    {
        var triggers = Functions.Value
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: Bindings(f).SingleOrDefault(b => b.GetProperty("type").GetString() == "httpTrigger")))
            .Where(f => f.Trigger.ValueKind == JsonValueKind.Object)
            .Select(f => (f.Name,
                Matcher: new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
                    Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(f.Trigger.GetProperty("route").GetString()!), new Microsoft.AspNetCore.Routing.RouteValueDictionary()),
                Methods: f.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToHashSet()))
            .ToList();
        foreach (var (method, template) in Pipeline.Api.OperationsApi.Routes)
        {
            var path = template.Replace("{scope}", "hosts/h1/days/0", StringComparison.Ordinal).Replace("{id}", "x1", StringComparison.Ordinal);
            var matches = triggers.Where(t => t.Matcher.TryMatch(path, new Microsoft.AspNetCore.Routing.RouteValueDictionary())).ToList();
            var only = Assert.Single(matches);
            Assert.True(only.Methods.Contains(method), $"{method} {path} reaches {only.Name}, which takes {string.Join(", ", only.Methods)}");
        }
    }

    [Fact]
    public void The_queue_trigger_reads_the_telemetry_queue_through_the_storage_connection()
    {
        var trigger = Bindings(Find("TelemetryQueueIngest")).Single();
        Assert.Equal($"%{AppSettingNames.TelemetryQueueName}%", trigger.GetProperty("queueName").GetString());
        Assert.Equal(AppSettingNames.Storage, trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void The_retention_timer_runs_daily_with_a_durable_client_to_purge_histories()
    {
        var bindings = Bindings(Find("Retention")).ToList();
        Assert.Contains("durableClient", bindings.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("0 17 3 * * *", bindings.Single(b => b.GetProperty("type").GetString() == "timerTrigger").GetProperty("schedule").GetString());
    }

    [Fact]
    public void The_retrain_timer_has_a_durable_client_to_start_the_fan_out()
    {
        var types = Bindings(Find("RetrainTimer")).Select(b => b.GetProperty("type").GetString()).ToList();
        Assert.Contains("durableClient", types);
    }

    [Fact]
    public void Every_app_setting_a_binding_reads_is_in_the_one_list_of_setting_names()
    {
        var known = typeof(AppSettingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!).ToHashSet(StringComparer.Ordinal);
        foreach (var binding in Functions.Value.SelectMany(Bindings))
        {
            foreach (var property in binding.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                var value = property.Value.GetString()!;
                if (property.Name == "connection")
                {
                    Assert.Contains(value, known);
                }

                if (value.StartsWith('%') && value.EndsWith('%'))
                {
                    Assert.Contains(value.Trim('%'), known);
                }
            }
        }
    }

    [Fact]
    public void The_build_output_carries_the_repository_host_json_and_the_dashboard_files()
    {
        var output = OutputDirectory();
        Assert.Equal(
            File.ReadAllText(Path.Combine(RepositoryRoot(), "host.json")),
            File.ReadAllText(Path.Combine(output, "host.json")));
        Assert.True(File.Exists(Path.Combine(output, "wwwroot", "index.html")));
        Assert.True(File.Exists(Path.Combine(output, "extensions.json")), "the extension bundle list (extensions.json) is missing");
    }

    [Fact]
    public void Host_json_gives_up_on_a_queue_message_after_as_many_deliveries_as_the_queue_drainer_by_default()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "host.json")));
        var maxDequeueCount = hostJson.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
        Assert.Equal(new Prescient.Pipeline.Ingest.IngestOptions().MaxDequeueCount, maxDequeueCount);
        Assert.Equal(5, maxDequeueCount);
    }

    private static JsonElement Find(string name) =>
        Functions.Value.SingleOrDefault(f => f.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new Xunit.Sdk.XunitException($"functions.metadata does not list {name}.");

    private static IEnumerable<JsonElement> Bindings(JsonElement function) => function.GetProperty("bindings").EnumerateArray();

    private static JsonElement[] Load()
    {
        var path = Path.Combine(OutputDirectory(), "functions.metadata");
        Assert.True(File.Exists(path), $"The build did not produce {path}.");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    /// <summary>src/Prescient.Functions/bin/&lt;configuration&gt;/&lt;tfm&gt;, the configuration and framework of this test run.</summary>
    internal static string OutputDirectory()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        return Path.Combine(RepositoryRoot(), "src", "Prescient.Functions", "bin", configuration, framework);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Functions.sln not found above the test output.");
    }
}
