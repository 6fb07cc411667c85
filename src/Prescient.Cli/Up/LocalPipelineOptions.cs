namespace Prescient.Cli.Up;

/// <summary>Settings of the local pipeline (<c>prescient up</c>).</summary>
public sealed record LocalPipelineOptions
{
    /// <summary>Simulated hosts (default) or real QEMU guests.</summary>
    public DemoHypervisor Hypervisor { get; init; } = DemoHypervisor.Simulated;

    /// <summary>The test guest for <see cref="DemoHypervisor.Qemu"/> (tools/guest/build.sh).</summary>
    public string? GuestDirectory { get; init; }

    /// <summary>Simulated seconds per wall-clock second: 240 makes a 20-minute period pass in 5 s.</summary>
    public double Speed { get; init; } = 240;

    public int Hosts { get; init; } = 16;

    public int Seed { get; init; } = 7;

    /// <summary>A storage account's connection string; null starts Azurite.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>
    /// Azurite's data folder: everything (tables, task hub, the simulated hosts' state, the simulated time) is kept
    /// there and a restart with the same folder resumes the run. Null keeps everything in memory.
    /// </summary>
    public string? AzuriteDataDirectory { get; init; }

    /// <summary>Simulated time of day the run starts at (UTC), on the most recent weekday.</summary>
    public TimeOnly StartTime { get; init; } = new(17, 0);

    /// <summary>Days of telemetry history written before the start, so the networks are trained from the first period.</summary>
    public int HistoryDays { get; init; } = 7;

    /// <summary>Simulated time between retrain runs.</summary>
    public TimeSpan RetrainEvery { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Wall-clock time between two telemetry samples of every host.</summary>
    public TimeSpan AgentInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Port of the API and dashboard on 127.0.0.1; 0 picks a free one.</summary>
    public int ApiPort { get; init; }

    /// <summary>The API token; null generates one.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Folder the dashboard's files are served from.</summary>
    public string DashboardRoot { get; init; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary>How long a stop waits for migrations in flight to finish before it records them as interrupted.</summary>
    public TimeSpan MigrationDrain { get; init; } = TimeSpan.FromSeconds(6);
}

/// <summary>What the pipeline is doing, for the progress display (counters of the loops, not the summary).</summary>
public sealed record PipelineActivity(
    DateTimeOffset SimulatedNow,
    long SamplesPublished,
    long SamplesIngested,
    int Cycles,
    int MigrationsStarted,
    int Evacuations,
    int Retrains,
    int PeriodsBehind,
    string? LastError);
