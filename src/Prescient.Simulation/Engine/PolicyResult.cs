namespace Prescient.Simulation.Engine;

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
