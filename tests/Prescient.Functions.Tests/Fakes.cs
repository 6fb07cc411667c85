using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;

namespace Prescient.Functions.Tests;

/// <summary>Host read model over fixed data (the pipeline's stores are tested in their own project).</summary>
public sealed class FakeHostReadModel : IHostReadModel
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    public List<HostSummary> Hosts { get; } =
    [
        new("h1", ControllerMode.Proactive, NetworkMode.Training, 0.031, PowerState.On, 0.62, 0.66, 3, null),
        new("h2", ControllerMode.Reactive, NetworkMode.PredictOnly, null, PowerState.Reduced, 0.0, null, 0, null),
    ];

    public (string HostId, DateTimeOffset From, DateTimeOffset To)? LastSeriesQuery { get; private set; }

    public Task<IReadOnlyList<HostSummary>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HostSummary>>(Hosts);

    public Task<HostDetail?> GetAsync(string hostId, CancellationToken cancellationToken) =>
        Task.FromResult(Hosts.Find(h => h.Id == hostId) is { } host
            ? new HostDetail(host, [new HostVm("vm1", "g1", 10, true, 0.2, 2048)], T0)
            : null);

    public Task<HostSeries?> GetSeriesAsync(string hostId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        LastSeriesQuery = (hostId, from, to);
        if (Hosts.TrueForAll(h => h.Id != hostId))
        {
            return Task.FromResult<HostSeries?>(null);
        }

        var points = Enumerable.Range(0, 3)
            .Select(i => new SeriesPoint(from.AddMinutes(20 * i), 0.5 + (0.1 * i), 0.55 + (0.1 * i), 0.15, 0.8, i < 2 ? ControllerMode.Reactive : ControllerMode.Proactive))
            .ToList();
        return Task.FromResult<HostSeries?>(new HostSeries(
            hostId, from, to, points,
            [new ModeChange(from.AddMinutes(40), ControllerMode.Reactive, ControllerMode.Proactive, "autostart: MAE 0.031 below 0.05 over 72 periods")],
            [new SeriesMigration("m1", from.AddMinutes(45), "out", "h2", ["vm1"], MigrationStatus.Completed)]));
    }
}

public sealed class FakeDecisionLog : IDecisionLog
{
    public List<DecisionRecord> Decisions { get; } =
    [
        new("d2", "h1", FakeHostReadModel.T0.AddMinutes(40), ControllerMode.Proactive, ControllerMode.Proactive, 0.7, 0.86, 0.02, 0.2, 0.75,
            Indication.Offload, "predicted 0.86 above the proactive high 0.75", false, ["m1"]),
        new("d1", "h2", FakeHostReadModel.T0.AddMinutes(20), ControllerMode.Reactive, ControllerMode.Reactive, 0.05, null, null, 0.15, 0.8,
            Indication.ReducePower, "measured 0.05 below the reactive low 0.15", false, ["e1"]),
    ];

    public Task<IReadOnlyList<DecisionRecord>> RecentAsync(string? hostId, DateTimeOffset? since, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DecisionRecord>>(Decisions
            .Where(d => hostId is null || d.HostId == hostId)
            .Where(d => since is null || d.At >= since)
            .Take(limit)
            .ToList());
}

/// <summary>Migration history with a pending, a running and a completed migration; records cancels and purges.</summary>
public sealed class FakeMigrationHistory : IMigrationHistory
{
    public List<MigrationSummary> Migrations { get; } =
    [
        new("m3", MigrationKind.Migration, "h1", "h3", ["vm7"], MigrationStatus.Pending, FakeHostReadModel.T0.AddMinutes(60), null, "offload"),
        new("m2", MigrationKind.Evacuation, "h2", null, ["vm4", "vm5"], MigrationStatus.Running, FakeHostReadModel.T0.AddMinutes(50), null, "reduce power"),
        new("m1", MigrationKind.Migration, "h1", "h2", ["vm1"], MigrationStatus.Completed, FakeHostReadModel.T0.AddMinutes(45), FakeHostReadModel.T0.AddMinutes(46), "offload"),
    ];

    public List<(string Id, string Reason, string Actor)> Cancels { get; } = [];

    public List<DateTimeOffset> Purges { get; } = [];

    public MigrationFilter? LastFilter { get; private set; }

    public Task<IReadOnlyList<MigrationSummary>> ListAsync(MigrationFilter filter, CancellationToken cancellationToken)
    {
        LastFilter = filter;
        return Task.FromResult<IReadOnlyList<MigrationSummary>>(Migrations
            .Where(m => filter.Status is null || m.Status == filter.Status)
            .Where(m => filter.HostId is null || m.SourceHostId == filter.HostId || m.DestinationHostId == filter.HostId)
            .Take(filter.Limit)
            .ToList());
    }

    public Task<MigrationDetail?> GetAsync(string migrationId, CancellationToken cancellationToken) =>
        Task.FromResult(Migrations.Find(m => m.MigrationId == migrationId) is { } m
            ? new MigrationDetail(m,
            [
                new MigrationStep("prepare", m.CreatedAt, m.CreatedAt.AddSeconds(1), 1000, 1, "ok", "destination answered OK-to-migrate"),
                new MigrationStep("precopy", m.CreatedAt.AddSeconds(1), m.CreatedAt.AddSeconds(20), 19000, 1, "ok", "5 rounds"),
            ], m.Status.ToString())
            : null);

    public Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken)
    {
        var index = Migrations.FindIndex(m => m.MigrationId == migrationId);
        if (index < 0)
        {
            return Task.FromResult(CancelOutcome.NotFound);
        }

        if (Migrations[index].Status == MigrationStatus.Running)
        {
            Cancels.Add((migrationId, reason, actor));
            return Task.FromResult(CancelOutcome.CancelRequested);
        }

        if (Migrations[index].Status != MigrationStatus.Pending)
        {
            return Task.FromResult(CancelOutcome.NotCancellable);
        }

        Cancels.Add((migrationId, reason, actor));
        Migrations[index] = Migrations[index] with { Status = MigrationStatus.Cancelled };
        return Task.FromResult(CancelOutcome.Cancelled);
    }

    public Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        Purges.Add(completedBefore);
        return Task.FromResult(Migrations.RemoveAll(m => m.CompletedAt is { } done && done < completedBefore));
    }
}
