using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Configuration;

namespace Prescient.Functions.Migration;

/// <summary>Whether the migration workflows can run, and why not when they cannot.</summary>
/// <param name="Enabled">Endpoints and a credential are configured: the migration activities are registered.</param>
/// <param name="Reason">What the app found, in words an operator can act on.</param>
public sealed record HypervisorSettingsStatus(bool Enabled, string Reason);

/// <summary>
/// Reads the <c>Hypervisor</c> section (<see cref="AppSettingNames.Hypervisor"/>) the way Azure sets it: the Bicep
/// always sets <see cref="AppSettingNames.HypervisorFleetBaseUri"/> (empty = migrations disabled) and
/// <see cref="AppSettingNames.HypervisorFleetSecret"/> as a Key Vault reference, which App Service leaves as the
/// literal <c>@Microsoft.KeyVault(...)</c> text when it cannot resolve it (secret not set yet, no access).
/// </summary>
public static class HypervisorSettings
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <summary>Decides whether the hypervisor endpoints and credentials are usable.</summary>
    public static HypervisorSettingsStatus Inspect(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(AppSettingNames.Hypervisor.Section);
        var fleetBaseUri = section[AppSettingNames.Hypervisor.FleetBaseUri];
        var hostBaseUris = NonEmptyChildren(section.GetSection(AppSettingNames.Hypervisor.HostBaseUris));
        if (string.IsNullOrWhiteSpace(fleetBaseUri) && hostBaseUris == 0)
        {
            return new(false, $"migrations disabled: no hypervisor endpoint is configured (set {AppSettingNames.HypervisorFleetBaseUri}, the Bicep parameter hypervisorFleetBaseUri, or {AppSettingNames.Hypervisor.Section}__{AppSettingNames.Hypervisor.HostBaseUris}__<host>)");
        }

        if (!string.IsNullOrWhiteSpace(fleetBaseUri) && !(Uri.TryCreate(fleetBaseUri, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            return new(false, $"migrations disabled: {AppSettingNames.HypervisorFleetBaseUri} is not an absolute http(s) URI");
        }

        var secret = section[AppSettingNames.Hypervisor.FleetSecret];
        var hostTokens = NonEmptyChildren(section.GetSection(AppSettingNames.Hypervisor.HostTokens));
        if (secret is not null && secret.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return new(false, $"migrations disabled: the Key Vault reference in {AppSettingNames.HypervisorFleetSecret} did not resolve (set the secret in the vault, see docs/deploy.md, and check the app identity's Key Vault Secrets User role)");
        }

        if (string.IsNullOrWhiteSpace(secret) && hostTokens == 0)
        {
            return new(false, $"migrations disabled: no hypervisor credential is configured (set {AppSettingNames.HypervisorFleetSecret} or {AppSettingNames.Hypervisor.Section}__{AppSettingNames.Hypervisor.HostTokens}__<host>)");
        }

        var endpoints = string.IsNullOrWhiteSpace(fleetBaseUri) ? $"{hostBaseUris} per-host endpoints" : $"fleet {fleetBaseUri}";
        return new(true, $"migrations enabled: {endpoints}");
    }

    private static int NonEmptyChildren(IConfigurationSection section) =>
        section.GetChildren().Count(c => !string.IsNullOrWhiteSpace(c.Value));
}

/// <summary>Logs at start-up whether the migration workflows are available, so a disabled deployment says why.</summary>
internal sealed partial class HypervisorSettingsReporter(HypervisorSettingsStatus status, ILogger<HypervisorSettingsReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (status.Enabled)
        {
            LogEnabled(logger, status.Reason);
        }
        else
        {
            LogDisabled(logger, status.Reason);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Hypervisor settings: {Reason}")]
    private static partial void LogEnabled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hypervisor settings: {Reason}; migration and evacuation orchestrations cannot run")]
    private static partial void LogDisabled(ILogger logger, string reason);
}
