namespace Prescient.Core.Settings;

/// <summary>Priority of migration work versus the hosts' other work.</summary>
public enum MigrationPriority
{
    /// <summary>Migrations yield to other work (slower, less load on the source).</summary>
    Low,

    /// <summary>The default.</summary>
    Normal,

    /// <summary>Migrations take precedence (faster, more load while they run).</summary>
    High,
}
