namespace Prescient.Core.Settings;

/// <summary>The effective settings of one VM.</summary>
/// <param name="AutoMigrate">Whether the VM may be migrated automatically (default true).</param>
/// <param name="GroupId">The move-together group the VM belongs to, if any.</param>
/// <param name="Priority">Lower priorities move first (default 0).</param>
public sealed record VmSettings(bool AutoMigrate, string? GroupId, int Priority)
{
    /// <summary>The defaults: migratable, no group, priority 0.</summary>
    public static VmSettings Default { get; } = new(true, null, 0);
}

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

/// <summary>Settings for every VM of a move-together group; the VM's own settings win.</summary>
public sealed record GroupSettingsPatch
{
    /// <inheritdoc cref="VmSettings.AutoMigrate"/>
    public bool? AutoMigrate { get; init; }

    /// <inheritdoc cref="VmSettings.Priority"/>
    public int? Priority { get; init; }
}
