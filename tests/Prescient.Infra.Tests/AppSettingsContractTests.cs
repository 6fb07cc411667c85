using System.Reflection;
using System.Text.RegularExpressions;
using Prescient.Pipeline.Configuration;

namespace Prescient.Infra.Tests;

/// <summary>
/// The app settings the Functions app reads (AppSettingNames) and the ones the Bicep sets on the Function App are the
/// same list, and docs/settings.md documents all of them.
/// </summary>
public sealed partial class AppSettingsContractTests
{
    private static readonly IReadOnlyDictionary<string, string> Bicep = BicepText.FunctionAppSettings();

    private static IEnumerable<string> DeclaredNames() =>
        typeof(AppSettingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    /// <summary>Every full setting name the app may read in Azure: plain values and each connection's keys.</summary>
    private static HashSet<string> AzureNames() =>
        AppSettingNames.Values
            .Concat(AppSettingNames.Connections.SelectMany(c => AppSettingNames.ConnectionKeys.For(c).Select(k => AppSettingNames.ConnectionKey(c, k))))
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_declared_name_is_classified_exactly_once()
    {
        var classified = AppSettingNames.Connections.Concat(AppSettingNames.Values).Concat(AppSettingNames.LocalOnly).ToList();

        Assert.Equal(classified.Count, classified.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(DeclaredNames().Order(StringComparer.Ordinal), classified.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Bicep_sets_every_setting_the_app_reads()
    {
        var missing = AzureNames().Where(n => !Bicep.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0, $"{BicepText.FunctionAppFile} does not set: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Bicep_sets_nothing_the_app_does_not_read()
    {
        var known = AzureNames();
        var unknown = Bicep.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();

        Assert.True(unknown.Count == 0,
            $"{BicepText.FunctionAppFile} sets settings not in AppSettingNames (add them there and to docs/settings.md, or drop them): {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Connections_are_identity_based_with_the_apps_identity()
    {
        foreach (var connection in AppSettingNames.Connections)
        {
            Assert.False(Bicep.ContainsKey(connection), $"{connection} is set as a connection string; use {connection}__* keys");
            Assert.Equal("'managedidentity'", Bicep[AppSettingNames.ConnectionKey(connection, AppSettingNames.ConnectionKeys.Credential)]);
            Assert.Equal("clientId", Bicep[AppSettingNames.ConnectionKey(connection, AppSettingNames.ConnectionKeys.ClientId)]);
        }

        Assert.Equal("clientId", Bicep[AppSettingNames.ManagedIdentityClientId]);
        Assert.Contains("Authorization=AAD", Bicep[AppSettingNames.ApplicationInsightsAuthentication], StringComparison.Ordinal);
        Assert.All(Bicep.Values, v => Assert.DoesNotContain("listKeys", v, StringComparison.OrdinalIgnoreCase));
        Assert.All(Bicep.Values, v => Assert.DoesNotContain("AccountKey", v, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Secret_settings_are_key_vault_references_and_never_plain_values()
    {
        Assert.Contains(AppSettingNames.HypervisorFleetSecret, AppSettingNames.Secrets);
        Assert.All(AppSettingNames.Secrets, name => Assert.Contains(name, AppSettingNames.Values));
        var functionApp = RepoFiles.Read(BicepText.FunctionAppFile);
        foreach (var name in AppSettingNames.Secrets)
        {
            // The setting names a variable (not a parameter, not a literal) that is a Key Vault reference.
            var expression = Bicep[name];
            Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", expression);
            Assert.Matches($@"(?m)^var {expression} = '@Microsoft\.KeyVault\(VaultName=\$\{{keyVaultName\}};SecretName=\$\{{[A-Za-z]+\}}\)'$", functionApp);
            Assert.DoesNotMatch($@"(?m)^param {expression}\b", functionApp);
        }

        // App Service resolves the references with the app's user-assigned identity.
        Assert.Contains("keyVaultReferenceIdentity: identity.id", functionApp, StringComparison.Ordinal);
        // The secret's value is never part of the template: no secret resource, no secure parameter for it.
        foreach (var file in Directory.EnumerateFiles(RepoFiles.PathOf("infra"), "*.bicep", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("Microsoft.KeyVault/vaults/secrets", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@secure()", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_fleet_base_uri_is_a_main_bicep_parameter_that_defaults_to_empty()
    {
        Assert.Equal("hypervisorFleetBaseUri", Bicep[AppSettingNames.HypervisorFleetBaseUri]);
        Assert.Contains("param hypervisorFleetBaseUri string = ''", RepoFiles.Read("infra/main.bicep"), StringComparison.Ordinal);
    }

    [Fact]
    public void Hypervisor_setting_names_bind_the_hypervisor_client_options()
    {
        var options = typeof(Pipeline.Hypervisor.HypervisorClientOptions);
        Assert.Equal(AppSettingNames.Hypervisor.Section, Pipeline.Hypervisor.HypervisorClientOptions.SectionName);
        foreach (var key in new[] { AppSettingNames.Hypervisor.FleetBaseUri, AppSettingNames.Hypervisor.FleetSecret, AppSettingNames.Hypervisor.HostBaseUris, AppSettingNames.Hypervisor.HostTokens })
        {
            Assert.NotNull(options.GetProperty(key));
        }

        Assert.Equal(AppSettingNames.HypervisorFleetBaseUri, AppSettingNames.ConnectionKey(AppSettingNames.Hypervisor.Section, AppSettingNames.Hypervisor.FleetBaseUri));
        Assert.Equal(AppSettingNames.HypervisorFleetSecret, AppSettingNames.ConnectionKey(AppSettingNames.Hypervisor.Section, AppSettingNames.Hypervisor.FleetSecret));
    }

    [Fact]
    public void The_functions_app_reads_the_hypervisor_section_through_app_setting_names()
    {
        var files = Directory.EnumerateFiles(RepoFiles.PathOf("src/Prescient.Functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

        Assert.All(files, f => Assert.DoesNotMatch("\"Hypervisor[:_\"]", File.ReadAllText(f)));
        Assert.Contains(files, f => File.ReadAllText(f).Contains("AppSettingNames.Hypervisor.Section", StringComparison.Ordinal));
    }

    [Fact]
    public void Bicep_sets_no_local_only_or_flex_rejected_setting()
    {
        // Flex Consumption takes the runtime from functionAppConfig and rejects these as app settings.
        string[] rejected = [.. AppSettingNames.LocalOnly, "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"];

        Assert.All(rejected, name => Assert.False(Bicep.ContainsKey(name), $"{name} must not be set on a Flex Consumption app"));
    }

    [Fact]
    public void Every_setting_the_functions_app_code_and_host_json_reference_is_declared()
    {
        var declared = DeclaredNames().ToHashSet(StringComparer.Ordinal);
        // The code the Functions app runs: its own project and the pipeline services it hosts.
        var files = new[] { "src/Prescient.Functions", "src/Prescient.Pipeline" }
            .Select(RepoFiles.PathOf)
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.EndsWith("AppSettingNames.cs", StringComparison.Ordinal))
            .Append(RepoFiles.PathOf("host.json"));
        var referenced = files
            .SelectMany(f => PercentReference().Matches(File.ReadAllText(f)).Concat(PrescientLiteral().Matches(File.ReadAllText(f)))
                .Select(m => (File: Path.GetRelativePath(RepoFiles.Root, f), Name: m.Groups[1].Value)))
            .ToList();

        Assert.Contains(referenced, r => r.Name == AppSettingNames.TaskHub); // host.json's %PRESCIENT_TASKHUB%
        var undeclared = referenced.Where(r => !declared.Contains(r.Name)).Select(r => $"{r.File}: {r.Name}").ToList();
        Assert.True(undeclared.Count == 0, $"settings read but not in AppSettingNames: {string.Join("; ", undeclared)}");
    }

    [Fact]
    public void Docs_settings_md_documents_every_name_and_no_unknown_one()
    {
        var doc = RepoFiles.Read("docs/settings.md");
        var expected = DeclaredNames().Concat(AzureNames());

        var undocumented = expected.Where(n => !doc.Contains($"`{n}`", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(undocumented.Count == 0, $"docs/settings.md does not document: {string.Join(", ", undocumented)}");

        var known = DeclaredNames().Concat(AzureNames()).ToHashSet(StringComparer.Ordinal);
        var stale = DocumentedSettingName().Matches(doc).Select(m => m.Groups[1].Value)
            .Where(n => !known.Contains(n)).Distinct().ToList();
        Assert.True(stale.Count == 0, $"docs/settings.md documents names that AppSettingNames does not have: {string.Join(", ", stale)}");
    }

    // "%NAME%" binding expressions (timer schedules, host.json).
    [GeneratedRegex(@"%([A-Za-z_][A-Za-z0-9_]*)%")]
    private static partial Regex PercentReference();

    // A "PRESCIENT_..." string literal, e.g. configuration["PRESCIENT_X"].
    [GeneratedRegex("\"(PRESCIENT_[A-Z0-9_]+)\"")]
    private static partial Regex PrescientLiteral();

    // The first cell of a settings table row in docs/settings.md: | `Name` |
    [GeneratedRegex(@"^\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex DocumentedSettingName();
}
