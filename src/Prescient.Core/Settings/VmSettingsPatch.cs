namespace Prescient.Core.Settings;

/// <summary>VM settings given at the VM scope; null means "not set here".</summary>
public sealed record VmSettingsPatch
{
    /// <inheritdoc cref="VmSettings.AutoMigrate"/>
    public bool? AutoMigrate { get; init; }

    /// <summary>The move-together group; every VM naming the same group moves with the others.</summary>
    public string? GroupId { get; init; }

    /// <inheritdoc cref="VmSettings.Priority"/>
    public int? Priority { get; init; }
}
