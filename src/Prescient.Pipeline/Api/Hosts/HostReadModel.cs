using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Settings;

namespace Prescient.Pipeline.Api.Hosts;

/// <summary>
/// A line of the host list: mode, network mode, accuracy (mean absolute error of recent predictions), power state
/// (null when not known yet), last decision. The vocabulary is Core's (<see cref="ControllerMode"/>,
/// <see cref="NetworkMode"/>, <see cref="PowerState"/>), in camelCase on the wire.
/// </summary>
public sealed record HostSummary(
    string Id,
    ControllerMode Mode,
    NetworkMode NetworkMode,
    double? PredictionMae,
    PowerState? PowerState,
    double? LastMeasured,
    double? LastPredicted,
    int VmCount,
    Decisions.DecisionRecord? LastDecision);

/// <summary>One host with its VMs and the forecasting model in use.</summary>
public sealed record HostDetail(HostSummary Host, IReadOnlyList<HostVm> Vms, DateTimeOffset? ModelTrainedAt)
{
    /// <summary>The forecasting model selected for the host (for the next period), e.g. <c>fasttree</c> or <c>last-value</c>.</summary>
    public string? ForecastModel { get; init; }

    /// <summary>Its mean absolute error one period ahead over the recent out-of-sample periods.</summary>
    public double? ForecastMae { get; init; }

    /// <summary>Last value's error over the same periods (the baseline the selection must beat).</summary>
    public double? LastValueMae { get; init; }

    /// <summary>The detail with the forecasting model of <paramref name="model"/> (unchanged when null).</summary>
    public HostDetail WithModel(Storage.ModelMetadata? model) => model is null
        ? this
        : this with { ForecastModel = model.Model, ForecastMae = model.HoldoutMae, LastValueMae = model.BaselineMae, ModelTrainedAt = model.TrainedAt };
}

/// <summary>A VM on a host.</summary>
public sealed record HostVm(string VmId, string? GroupId, int Priority, bool AutoMigrate, double Cpu, double MemoryMb);

/// <summary>One 20-minute period of a host's series: measured and predicted workload, the range in force, the mode.</summary>
public sealed record SeriesPoint(
    DateTimeOffset PeriodStart,
    double? Measured,
    double? Predicted,
    double Low,
    double High,
    ControllerMode Mode);

/// <summary>A switch of controller mode (autostart, failsafe, or a user's change) with its reason.</summary>
public sealed record ModeChange(DateTimeOffset At, ControllerMode From, ControllerMode To, string Reason);

/// <summary>A migration touching the host: <c>out</c> of it or <c>in</c> to it.</summary>
public sealed record SeriesMigration(
    string MigrationId,
    DateTimeOffset At,
    string Direction,
    string? OtherHostId,
    IReadOnlyList<string> VmIds,
    Migrations.MigrationStatus Status);

/// <summary>What the dashboard draws for one host over a time range (the patent's display).</summary>
public sealed record HostSeries(
    string HostId,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<SeriesPoint> Points,
    IReadOnlyList<ModeChange> ModeChanges,
    IReadOnlyList<SeriesMigration> Migrations);

/// <summary>
/// What the hosts routes need from the pipeline's stores (host state, windows, predictions, decisions,
/// migrations). Unknown hosts give null.
/// </summary>
public interface IHostReadModel
{
    Task<IReadOnlyList<HostSummary>> ListAsync(CancellationToken cancellationToken);

    Task<HostDetail?> GetAsync(string hostId, CancellationToken cancellationToken);

    Task<HostSeries?> GetSeriesAsync(string hostId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
