using Microsoft.AspNetCore.Http;

namespace Prescient.Hypervisor.Contract;

/// <summary>How <see cref="HypervisorEndpoints"/> finds the host a request is for and checks its bearer token.</summary>
public sealed class HypervisorEndpointOptions
{
    /// <summary>The host a request addresses: a route value (a fleet service) or the one host an agent serves.</summary>
    public required Func<HttpContext, string> HostIdOf { get; init; }

    /// <summary>Whether the presented bearer token is this host's own (constant-time comparison).</summary>
    public required Func<string, string, bool> TokenValid { get; init; }

    /// <summary>The host, or null for an unknown host (404 <c>unknown-host</c>).</summary>
    public required Func<string, IHypervisorHost?> Resolve { get; init; }
}
