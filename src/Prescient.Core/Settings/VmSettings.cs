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
