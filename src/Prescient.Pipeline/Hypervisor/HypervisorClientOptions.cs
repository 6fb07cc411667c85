using System.ComponentModel.DataAnnotations;

namespace Prescient.Pipeline.Hypervisor;

/// <summary>Where each host's hypervisor endpoints are and how to authenticate to them.</summary>
public sealed class HypervisorClientOptions : IValidatableObject
{
    public const string SectionName = Configuration.AppSettingNames.Hypervisor.Section;

    /// <summary>A service that serves many hosts under <c>hosts/{hostId}/</c> (the fleet simulator, or a fleet agent).</summary>
    public Uri? FleetBaseUri { get; set; }

    /// <summary>Per-host base URIs (override <see cref="FleetBaseUri"/>); the host's endpoints are relative to it.</summary>
    public Dictionary<string, Uri> HostBaseUris { get; } = new(StringComparer.Ordinal);

    /// <summary>The secret per-host bearer tokens are derived from (<see cref="Core.Migration.HostTokens"/>).</summary>
    public string? FleetSecret { get; set; }

    /// <summary>Explicit per-host bearer tokens (override <see cref="FleetSecret"/>).</summary>
    public Dictionary<string, string> HostTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Timeout of one HTTP attempt. The workflow's own step timeouts and retries sit above this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FleetBaseUri is null && HostBaseUris.Count == 0)
        {
            yield return new ValidationResult("Set Hypervisor:FleetBaseUri or Hypervisor:HostBaseUris.");
        }

        if (string.IsNullOrWhiteSpace(FleetSecret) && HostTokens.Count == 0)
        {
            yield return new ValidationResult("Set Hypervisor:FleetSecret or Hypervisor:HostTokens: hosts refuse unauthenticated calls.");
        }
    }
}
