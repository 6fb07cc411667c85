using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Prescient.Pipeline.Migration;

/// <summary>Settings of migrations started by the pipeline (section <see cref="SectionName"/>), validated at start-up in every host.</summary>
public sealed class MigrationOptions
{
    public const string SectionName = "Migration";

    public MigrationPolicy Policy { get; set; } = new();

    /// <summary>VM migrations an evacuation runs at once.</summary>
    [Range(1, 64)]
    public int EvacuationConcurrency { get; set; } = 2;
}

/// <summary>Refuses migration options that make no sense, with the policy's own message.</summary>
internal sealed class MigrationOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Policy.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"{MigrationOptions.SectionName}:Policy: " + e.Message);
        }
    }
}
