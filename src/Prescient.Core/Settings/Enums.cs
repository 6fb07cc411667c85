namespace Prescient.Core.Settings;

/// <summary>The user's controller mode setting.</summary>
public enum ControllerModeSetting
{
    /// <summary>Always reactive: decisions use the measured workload only.</summary>
    Reactive,

    /// <summary>Enter proactive mode (decisions use the prediction); the failsafe drops back to reactive, where the host stays until told again.</summary>
    Proactive,

    /// <summary>Start reactive and switch to proactive automatically once predictions are accurate; failsafe back to reactive, and again.</summary>
    Autostart,
}

/// <summary>What the host's network does.</summary>
public enum NetworkMode
{
    /// <summary>Predicts and keeps learning from each measured period.</summary>
    Training,

    /// <summary>Predicts with frozen weights (after migrations expected to reverse, to avoid oscillating retraining).</summary>
    PredictOnly,

    /// <summary>No predictions: the controller stays reactive.</summary>
    Disabled,
}

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
