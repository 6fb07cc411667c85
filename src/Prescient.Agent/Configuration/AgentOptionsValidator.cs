using System.Text.RegularExpressions;
using Azure.Messaging.EventHubs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Prescient.Agent.Configuration;

/// <summary>What the process was asked to do: run the agent, or print one sample (<c>--once</c>, which needs no transport).</summary>
public sealed record AgentRunMode(bool Once);

/// <summary>
/// Start-time validation of <see cref="AgentOptions"/>. Every message names the setting by its full path
/// (<c>Agent:...</c>); values that may be secrets are never repeated.
/// </summary>
public sealed partial class AgentOptionsValidator(AgentRunMode mode) : IValidateOptions<AgentOptions>
{
    private const string P = AgentOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateSampling(options, errors);
        if (!mode.Once)
        {
            ValidateBuffer(options, errors);
            ValidateTransport(options.Transport, errors);
            ValidateHypervisor(options.Hypervisor, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateHypervisor(AgentHypervisorOptions o, List<string> errors)
    {
        const string H = P + "Hypervisor:";
        if (o.Backend == HypervisorBackendKind.None)
        {
            return;
        }

        if (!System.Net.IPAddress.TryParse(o.ListenAddress, out _))
        {
            errors.Add($"{H}ListenAddress must be an IP address (got '{o.ListenAddress}').");
        }

        if (o.Port is < 1 or > 65535)
        {
            errors.Add($"{H}Port must be 1-65535 (got {o.Port}).");
        }

        foreach (var (name, file, required) in new[] { ("TokenFile", o.TokenFile, true), ("PeerTokenFile", o.PeerTokenFile, o.Peers.Count > 0) })
        {
            if (file is null)
            {
                if (required)
                {
                    errors.Add($"{H}{name} is required: a root-only file holding the token{(name == "TokenFile" ? " Prescient presents for this host" : " the agents of the migration domain share")}.");
                }
            }
            else if (!File.Exists(file))
            {
                errors.Add($"{H}{name}: '{file}' does not exist.");
            }
            else if (File.ReadAllText(file).Trim().Length < 16)
            {
                errors.Add($"{H}{name}: the token in '{file}' must be at least 16 characters.");
            }
        }

        foreach (var problem in o.Backend == HypervisorBackendKind.Qemu ? o.Qemu.Problems() : o.Libvirt.Problems())
        {
            errors.Add($"{H}{o.Backend}: {problem}");
        }

        if (o.Power.ReduceCommand.Count == 0 || string.IsNullOrWhiteSpace(o.Power.ReduceCommand[0]))
        {
            errors.Add($"{H}Power:ReduceCommand must name a command (default: systemctl suspend).");
        }

        foreach (var (hostId, target) in o.Power.Peers)
        {
            if (target.Mac is not null && !MacPattern().IsMatch(target.Mac))
            {
                errors.Add($"{H}Power:Peers:{hostId}:Mac must be six hex bytes such as aa:bb:cc:dd:ee:ff (got '{target.Mac}').");
            }

            if (target.Mac is null && target.RedfishSystem is null && target.IpmiHost is null)
            {
                errors.Add($"{H}Power:Peers:{hostId} needs a Mac, a RedfishSystem or an IpmiHost.");
            }
        }
    }

    [GeneratedRegex("^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacPattern();

    private static void ValidateSampling(AgentOptions o, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(o.HostId) || o.HostId.Length > 128 || !IdPattern().IsMatch(o.HostId))
        {
            errors.Add($"{P}HostId must be 1-128 characters of ASCII letters, digits and - _ . : @ (got '{o.HostId}').");
        }

        if (o.SampleInterval < TimeSpan.FromMilliseconds(100) || o.SampleInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{P}SampleInterval must be between 00:00:00.1 and 01:00:00 (got {o.SampleInterval}).");
        }

        if (string.IsNullOrWhiteSpace(o.ProcPath) || !File.Exists(Path.Combine(o.ProcPath, "stat")))
        {
            errors.Add($"{P}ProcPath: '{Path.Combine(o.ProcPath ?? "", "stat")}' does not exist (the agent samples Linux hosts through procfs).");
        }

        if (string.IsNullOrWhiteSpace(o.SysPath))
        {
            errors.Add($"{P}SysPath must not be empty.");
        }

        if (!string.IsNullOrEmpty(o.CgroupPath) && !Directory.Exists(o.CgroupPath))
        {
            errors.Add($"{P}CgroupPath: '{o.CgroupPath}' does not exist (leave it empty to detect).");
        }

        if (string.IsNullOrWhiteSpace(o.VmSlice) || o.VmSlice.Contains('/', StringComparison.Ordinal) || o.VmSlice.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"{P}VmSlice must be a slice name such as machine.slice (got '{o.VmSlice}').");
        }
    }

    private static void ValidateBuffer(AgentOptions o, List<string> errors)
    {
        if (o.SamplesPerBatch is < 1 or > 1000)
        {
            errors.Add($"{P}SamplesPerBatch must be between 1 and 1000 (got {o.SamplesPerBatch}).");
        }

        if (string.IsNullOrWhiteSpace(o.BufferDirectory))
        {
            errors.Add($"{P}BufferDirectory must be set (a folder the agent may write, e.g. /var/lib/prescient-agent/buffer).");
        }

        if (o.MaxBufferBytes < 64 * 1024)
        {
            errors.Add($"{P}MaxBufferBytes must be at least 65536 (got {o.MaxBufferBytes}).");
        }

        if (o.MaxBufferBatches < 1)
        {
            errors.Add($"{P}MaxBufferBatches must be at least 1 (got {o.MaxBufferBatches}).");
        }

        if (o.RetryInitialDelay <= TimeSpan.Zero || o.RetryInitialDelay > o.RetryMaxDelay)
        {
            errors.Add($"{P}RetryInitialDelay must be positive and at most {P}RetryMaxDelay (got {o.RetryInitialDelay} and {o.RetryMaxDelay}).");
        }

        if (o.RetryMaxDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{P}RetryMaxDelay must be at most 01:00:00 (got {o.RetryMaxDelay}).");
        }

        if (o.ShutdownFlushTimeout < TimeSpan.Zero || o.ShutdownFlushTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{P}ShutdownFlushTimeout must be between 00:00:00 and 00:01:00 (got {o.ShutdownFlushTimeout}).");
        }

        if (o.PublishTimeout < TimeSpan.FromSeconds(1) || o.PublishTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{P}PublishTimeout must be between 00:00:01 and 00:10:00 (got {o.PublishTimeout}).");
        }
    }

    private static void ValidateTransport(TransportOptions t, List<string> errors)
    {
        const string T = P + "Transport:";
        switch (t.Kind)
        {
            case TransportKind.None:
                errors.Add($"{T}Kind is required: EventHubs or StorageQueue.");
                break;
            case TransportKind.EventHubs:
                ValidateEventHubs(t.EventHubs, T + "EventHubs:", errors);
                break;
            case TransportKind.StorageQueue:
                ValidateQueue(t.StorageQueue, T + "StorageQueue:", errors);
                break;
            default:
                errors.Add($"{T}Kind must be EventHubs or StorageQueue.");
                break;
        }
    }

    private static void ValidateEventHubs(EventHubsTransportOptions e, string path, List<string> errors)
    {
        if (!string.IsNullOrEmpty(e.ConnectionString))
        {
            if (!string.IsNullOrEmpty(e.FullyQualifiedNamespace))
            {
                errors.Add($"{path}ConnectionString and {path}FullyQualifiedNamespace are exclusive: choose one.");
            }

            try
            {
                var properties = EventHubsConnectionProperties(e.ConnectionString);
                if (string.IsNullOrEmpty(properties.EventHubName) && string.IsNullOrEmpty(e.EventHubName))
                {
                    errors.Add($"{path}EventHubName is required (the connection string has no EntityPath).");
                }
            }
            catch (FormatException)
            {
                errors.Add($"{path}ConnectionString is not a valid Event Hubs connection string (value not shown).");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(e.FullyQualifiedNamespace))
        {
            errors.Add($"{path}FullyQualifiedNamespace is required (e.g. my-namespace.servicebus.windows.net), or set {path}ConnectionString.");
        }
        else if (e.FullyQualifiedNamespace.Contains("://", StringComparison.Ordinal) || e.FullyQualifiedNamespace.Contains('/', StringComparison.Ordinal))
        {
            errors.Add($"{path}FullyQualifiedNamespace must be a host name such as my-namespace.servicebus.windows.net, not a URI.");
        }

        if (string.IsNullOrWhiteSpace(e.EventHubName))
        {
            errors.Add($"{path}EventHubName is required.");
        }

        ValidateClientId(e.Credential, e.ClientId, path, errors);
    }

    private static void ValidateQueue(StorageQueueTransportOptions q, string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(q.QueueName) || !QueueNamePattern().IsMatch(q.QueueName) || q.QueueName.Contains("--", StringComparison.Ordinal))
        {
            errors.Add($"{path}QueueName must be 3-63 lowercase letters, digits and single hyphens (got '{q.QueueName}').");
        }

        var hasConnectionString = !string.IsNullOrEmpty(q.ConnectionString);
        if (hasConnectionString == (q.ServiceUri is not null))
        {
            errors.Add($"{path}: set exactly one of ConnectionString or ServiceUri (with a credential).");
        }

        if (hasConnectionString)
        {
            try
            {
                _ = new QueueServiceClient(q.ConnectionString);
            }
            catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
            {
                errors.Add($"{path}ConnectionString is not a valid Storage connection string (value not shown).");
            }
        }
        else if (q.ServiceUri is not null)
        {
            if (!q.ServiceUri.IsAbsoluteUri || (q.ServiceUri.Scheme != Uri.UriSchemeHttps && q.ServiceUri.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{path}ServiceUri must be an absolute http(s) URI such as https://account.queue.core.windows.net.");
            }
            else if (!string.IsNullOrEmpty(q.ServiceUri.Query))
            {
                errors.Add($"{path}ServiceUri must not carry a query (a SAS token is a secret: use ConnectionString for SAS).");
            }

            ValidateClientId(q.Credential, q.ClientId, path, errors);
        }
    }

    private static void ValidateClientId(CredentialKind credential, string? clientId, string path, List<string> errors)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return;
        }

        if (credential is CredentialKind.Environment or CredentialKind.AzureCli)
        {
            errors.Add($"{path}ClientId applies to the Default, ManagedIdentity and WorkloadIdentity credentials, not {credential}.");
        }
        else if (!Guid.TryParse(clientId, out _))
        {
            errors.Add($"{path}ClientId must be a GUID (got '{clientId}').");
        }
    }

    private static EventHubsConnectionStringProperties EventHubsConnectionProperties(string connectionString)
    {
        try
        {
            return EventHubsConnectionStringProperties.Parse(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw new FormatException("Invalid connection string.", exception);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:@-]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueNamePattern();
}
