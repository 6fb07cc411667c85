namespace Prescient.Core.Settings;

/// <summary>Settings for every VM of a move-together group; the VM's own settings win.</summary>
public sealed record GroupSettingsPatch
{
    /// <inheritdoc cref="VmSettings.AutoMigrate"/>
    public bool? AutoMigrate { get; init; }

    /// <inheritdoc cref="VmSettings.Priority"/>
    public int? Priority { get; init; }
}
