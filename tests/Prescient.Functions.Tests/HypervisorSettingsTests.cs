using Microsoft.Extensions.Configuration;
using Prescient.Functions.Migration;
using Prescient.Pipeline.Configuration;

namespace Prescient.Functions.Tests;

/// <summary>
/// The hypervisor settings as Azure sets them (app settings named by <see cref="AppSettingNames"/>, read through the
/// environment-variable provider that turns <c>__</c> into <c>:</c>) decide whether migrations can run.
/// </summary>
public sealed class HypervisorSettingsTests
{
    private const string UnresolvedReference = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=hypervisor-fleet-secret)";

    /// <summary>Configuration from real environment variables under a prefix unique to the call.</summary>
    internal static IConfiguration FromAppSettings(IReadOnlyDictionary<string, string> appSettings)
    {
        var prefix = "PRESCIENTTEST_" + Guid.NewGuid().ToString("N")[..12] + "_";
        foreach (var (name, value) in appSettings)
        {
            Environment.SetEnvironmentVariable(prefix + name, value);
        }

        try
        {
            // Materialised now, so the variables can go at once.
            var built = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build().AsEnumerable()
                .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
            // .NET deletes a variable set to "" instead of setting it; App Service may pass an empty setting as an
            // empty variable, so those keep their empty value here (with the provider's __ to : mapping).
            foreach (var (name, value) in appSettings.Where(s => s.Value.Length == 0))
            {
                built[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
            }

            return new ConfigurationBuilder().AddInMemoryCollection(built).Build();
        }
        finally
        {
            foreach (var name in appSettings.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    [Fact]
    public void The_bicep_defaults_leave_migrations_disabled_and_say_how_to_enable_them()
    {
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "",
            [AppSettingNames.HypervisorFleetSecret] = UnresolvedReference,
        }));

        Assert.False(status.Enabled);
        Assert.Contains(AppSettingNames.HypervisorFleetBaseUri, status.Reason, StringComparison.Ordinal);
        Assert.Contains("hypervisorFleetBaseUri", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_key_vault_reference_is_not_taken_as_the_secret()
    {
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "https://fleet.example.net/",
            [AppSettingNames.HypervisorFleetSecret] = UnresolvedReference,
        }));

        Assert.False(status.Enabled);
        Assert.Contains("Key Vault reference", status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-abc", status.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_secret_disables_migrations(string secret)
    {
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "https://fleet.example.net/",
            [AppSettingNames.HypervisorFleetSecret] = secret,
        }));

        Assert.False(status.Enabled);
        Assert.Contains(AppSettingNames.HypervisorFleetSecret, status.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fleet.example.net")]
    [InlineData("ftp://fleet.example.net/")]
    public void A_fleet_uri_that_is_not_absolute_http_disables_migrations(string uri)
    {
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = uri,
            [AppSettingNames.HypervisorFleetSecret] = "a-resolved-secret-value-of-some-length",
        }));

        Assert.False(status.Enabled);
        Assert.Contains("absolute http(s) URI", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fleet_uri_and_a_resolved_secret_enable_migrations_without_revealing_the_secret()
    {
        const string secret = "a-resolved-secret-value-of-some-length";
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "https://fleet.example.net/",
            [AppSettingNames.HypervisorFleetSecret] = secret,
        }));

        Assert.True(status.Enabled);
        Assert.Contains("https://fleet.example.net/", status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_host_uris_and_tokens_enable_migrations_with_the_fleet_settings_empty()
    {
        var status = HypervisorSettings.Inspect(FromAppSettings(new Dictionary<string, string>
        {
            [AppSettingNames.HypervisorFleetBaseUri] = "",
            [AppSettingNames.HypervisorFleetSecret] = "",
            [$"{AppSettingNames.Hypervisor.Section}__{AppSettingNames.Hypervisor.HostBaseUris}__h1"] = "https://h1.example.net/",
            [$"{AppSettingNames.Hypervisor.Section}__{AppSettingNames.Hypervisor.HostTokens}__h1"] = "token-of-h1",
        }));

        Assert.True(status.Enabled);
        Assert.Contains("1 per-host endpoints", status.Reason, StringComparison.Ordinal);
        Assert.Equal("", FromAppSettings(new Dictionary<string, string> { [AppSettingNames.HypervisorFleetBaseUri] = "" })["Hypervisor:FleetBaseUri"]);
    }
}
