using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Prescient.Pipeline.Configuration;

namespace Prescient.Infra.Tests;

/// <summary>
/// infra/scripts/postprovision.sh (azd's postprovision hook) turns the deployment's outputs into the Functions app's
/// local.settings.json; the committed sample has the same shape.
/// </summary>
public sealed partial class PostprovisionHookTests : IDisposable
{
    private const string Script = "infra/scripts/postprovision.sh";
    private readonly string _dir = Directory.CreateTempSubdirectory("prescient-infra-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A value for each output of infra/main.bicep, as azd would export them to the hook.</summary>
    private static Dictionary<string, string> Outputs() =>
        BicepText.Outputs("infra/main.bicep").ToDictionary(o => o, o => o switch
        {
            "AZURE_STORAGE_BLOB_ENDPOINT" => "https://stabc.blob.core.windows.net/",
            "AZURE_STORAGE_QUEUE_ENDPOINT" => "https://stabc.queue.core.windows.net/",
            "AZURE_STORAGE_TABLE_ENDPOINT" => "https://stabc.table.core.windows.net/",
            "AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE" => "evhns-abc.servicebus.windows.net",
            "PRESCIENT_EVALUATE_SCHEDULE" => "0 1,21,41 * * * *",
            _ => $"value-of-{o}",
        }, StringComparer.Ordinal);

    /// <summary>The settings a local run against the deployment gets: no managed-identity or Azure-only keys.</summary>
    private static HashSet<string> ExpectedLocalKeys()
    {
        // The hypervisor settings too: a local run points at its own fleet (the simulator) and the secret stays in Key Vault.
        string[] azureOnly = [AppSettingNames.ManagedIdentityClientId, AppSettingNames.ApplicationInsightsConnectionString, AppSettingNames.ApplicationInsightsAuthentication,
            AppSettingNames.HypervisorFleetBaseUri, .. AppSettingNames.Secrets];
        return AppSettingNames.Values.Except(azureOnly)
            .Concat(AppSettingNames.LocalOnly)
            .Concat(AppSettingNames.Connections.SelectMany(c => AppSettingNames.ConnectionKeys.For(c)
                .Where(k => k is not AppSettingNames.ConnectionKeys.Credential and not AppSettingNames.ConnectionKeys.ClientId)
                .Select(k => AppSettingNames.ConnectionKey(c, k))))
            .ToHashSet(StringComparer.Ordinal);
    }

    private (int ExitCode, string Output, string Path) Run(IReadOnlyDictionary<string, string> environment)
    {
        var path = Path.Combine(_dir, "sub", "local.settings.json");
        var start = new ProcessStartInfo("sh", [RepoFiles.PathOf(Script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in Outputs().Keys.Append("PRESCIENT_LOCAL_TASKHUB"))
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["PRESCIENT_LOCAL_SETTINGS_PATH"] = path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr, path);
    }

    private static Dictionary<string, string> ReadValues(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.False(doc.RootElement.GetProperty("IsEncrypted").GetBoolean());
        return doc.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    [Fact]
    public void Writes_local_settings_from_the_deployment_outputs()
    {
        var outputs = Outputs();
        var (exitCode, output, path) = Run(outputs);

        Assert.True(exitCode == 0, output);
        var values = ReadValues(path);
        Assert.Equal(ExpectedLocalKeys().Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("dotnet-isolated", values[AppSettingNames.WorkerRuntime]);
        foreach (var storage in new[] { AppSettingNames.HostStorage, AppSettingNames.Storage })
        {
            Assert.Equal(outputs["AZURE_STORAGE_BLOB_ENDPOINT"], values[$"{storage}__blobServiceUri"]);
            Assert.Equal(outputs["AZURE_STORAGE_QUEUE_ENDPOINT"], values[$"{storage}__queueServiceUri"]);
            Assert.Equal(outputs["AZURE_STORAGE_TABLE_ENDPOINT"], values[$"{storage}__tableServiceUri"]);
        }

        Assert.Equal(outputs["AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE"], values["TelemetryHub__fullyQualifiedNamespace"]);
        Assert.Equal(outputs["PRESCIENT_TELEMETRY_HUB"], values[AppSettingNames.TelemetryHubName]);
        Assert.Equal(outputs["PRESCIENT_EVALUATE_SCHEDULE"], values[AppSettingNames.EvaluateSchedule]);
        // A local run must not take the deployed app's orchestration work items.
        Assert.Equal(outputs["PRESCIENT_TASKHUB"] + "local", values[AppSettingNames.TaskHub]);
    }

    [Fact]
    public void Escapes_values_into_valid_json_and_honours_the_local_task_hub_override()
    {
        var outputs = Outputs();
        outputs["PRESCIENT_TELEMETRY_HUB"] = "odd \"name\" \\ here";
        outputs["PRESCIENT_LOCAL_TASKHUB"] = "mine";

        var (exitCode, output, path) = Run(outputs);

        Assert.True(exitCode == 0, output);
        var values = ReadValues(path);
        Assert.Equal("odd \"name\" \\ here", values[AppSettingNames.TelemetryHubName]);
        Assert.Equal("mine", values[AppSettingNames.TaskHub]);
    }

    [Fact]
    public void Refuses_and_writes_nothing_when_an_output_is_missing()
    {
        var outputs = Outputs();
        outputs.Remove("AZURE_STORAGE_TABLE_ENDPOINT");

        var (exitCode, output, path) = Run(outputs);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("AZURE_STORAGE_TABLE_ENDPOINT", output, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Committed_sample_has_the_same_settings_as_the_hook_writes()
    {
        var sample = ReadValues(RepoFiles.PathOf("src/Prescient.Functions/local.settings.sample.json"));

        Assert.Equal(ExpectedLocalKeys().Order(StringComparer.Ordinal), sample.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_windows_hook_writes_the_same_settings_as_the_posix_one()
    {
        // postprovision.ps1 cannot run here (no PowerShell in CI): compare the keys it writes, as text.
        var keys = PowerShellValueKey().Matches(RepoFiles.Read("infra/scripts/postprovision.ps1")).Select(m => m.Groups[1].Value);

        Assert.Equal(ExpectedLocalKeys().Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_real_local_settings_file_is_ignored_by_git()
    {
        var ignored = File.ReadAllLines(RepoFiles.PathOf(".gitignore")).Select(l => l.Trim());

        Assert.Contains("local.settings.json", ignored);
    }

    // An entry of the ordered hashtable of values in postprovision.ps1: 'Name' = ...
    [GeneratedRegex(@"^\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*=", RegexOptions.Multiline)]
    private static partial Regex PowerShellValueKey();
}
