namespace Prescient.Simulation.Engine;

/// <summary>One evaluation interval of one host.</summary>
/// <param name="Time">End of the interval.</param>
/// <param name="Measured">Mean utilisation over the interval (migration overheads included; 0 when powered down).</param>
/// <param name="Demand">What the VMs first placed on the host asked for in the interval (the "no migration" line), as a share of its capacity, capped at 1.</param>
/// <param name="Predicted">The forecast in force for the interval's period (null when the host has none).</param>
/// <param name="Mode">Controller mode after the evaluation ("reactive", "proactive", "none", "off").</param>
/// <param name="PowerState">"on", "reduced" or "waking".</param>
public sealed record HostPoint(DateTimeOffset Time, double Measured, double Demand, double? Predicted, double High, double Low, string Mode, string PowerState);

/// <summary>A migration as it happened in the simulation.</summary>
public sealed record MigrationRecord(
    string VmId,
    string Source,
    string Destination,
    DateTimeOffset Requested,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    string Status,
    int PreCopyRounds,
    double SentMb,
    TimeSpan Downtime,
    string Reason);

/// <summary>
/// A controller decision that asked for something (offload or reduce power), with its reason and what the engine did.
/// <c>Predicted</c> is the forecast the controller compared: the higher of the current and the next period's.
/// </summary>
public sealed record DecisionRecord(DateTimeOffset Time, string HostId, string Mode, string Indication, double Measured, double? Predicted, string Reason, string Outcome);

/// <summary>A host's timeline under one policy.</summary>
public sealed record HostTimeline(string HostId, IReadOnlyList<HostPoint> Points, double PeakMeasured, double MinutesAboveHigh, double HoursPoweredDown, double? PredictionMae, double EnergyKWh);

/// <summary>The outcome of replaying the day under one policy.</summary>
/// <param name="PeakMeasured">Highest measured utilisation (evaluation-interval mean) of any host.</param>
/// <param name="MinutesAboveHigh">Host-minutes with measured utilisation above the host's reactive high threshold.</param>
/// <param name="HostHoursPoweredDown">Host-hours in reduced power.</param>
/// <param name="PredictionMae">Mean absolute error of the per-period forecasts against measured period means (powered hosts).</param>
/// <param name="DegradationPercent">Share of requested CPU lost to migration slowdown (PDM).</param>
/// <param name="SaturatedMinutes">Host-minutes at 100 % CPU.</param>
public sealed record PolicyResult(
    string Name,
    string Description,
    double PeakMeasured,
    double MinutesAboveHigh,
    int Migrations,
    double HostHoursPoweredDown,
    double PredictionMae,
    double EnergyKWh,
    double DegradationPercent,
    double SaturatedMinutes,
    IReadOnlyList<HostTimeline> Hosts,
    IReadOnlyList<MigrationRecord> MigrationLog,
    IReadOnlyList<DecisionRecord> Decisions);

/// <summary>A scenario's results: the replayed day under every policy.</summary>
public sealed record ScenarioResult(
    string Scenario,
    string Description,
    DateOnly Day,
    string FocusHostId,
    TimeSpan EvaluationInterval,
    IReadOnlyList<string> Parameters,
    IReadOnlyList<PolicyResult> Policies,
    TimeSpan WallClock)
{
    /// <summary>Number of replayed days from <see cref="Day"/>.</summary>
    public int Days { get; init; } = 1;
}
