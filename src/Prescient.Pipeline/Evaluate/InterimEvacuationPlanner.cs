using Prescient.Core.Controller;
using Prescient.Core.Selection;
using Prescient.Core.Settings;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Evaluate;

/// <summary>One host's reduce-power plan: the evacuation to start (null when it stays on), and what its decision records.</summary>
internal sealed record EvacuationPlanning(string HostId, EvacuationRequest? Request, IReadOnlyList<DecisionMigration> Moves, IReadOnlyList<string> Notes);

/// <summary>
/// Interim, until Core's one planner replaces it: plans the cycle's reduce-power evacuations with Core's
/// <see cref="MigrationPlanner"/>, which sees VM settings (automatic migration off, move-together groups, priority),
/// plans all or nothing per host and applies the migration guard (all but its per-cycle caps). Hosts that offload this
/// cycle, and the destinations of this cycle's offloads, take no part (neither evacuated nor receiving).
/// </summary>
internal static class InterimEvacuationPlanner
{
    public static IReadOnlyList<EvacuationPlanning> Plan(
        IReadOnlyList<HostEvaluation> evacuating,
        IReadOnlyList<HostView> candidates,
        GuardContext context,
        HostSettings guardSettings,
        string cycleId,
        DateTimeOffset now)
    {
        var evacuatingIds = evacuating.Select(e => e.HostId).ToHashSet(StringComparer.Ordinal);
        var hosts = evacuating
            .Select(e => new HostCycle(e.View!, Indication.ReducePower, e.Decision!.ComparedWorkload, e.Vms))
            .Concat(candidates.Where(v => !evacuatingIds.Contains(v.HostId)).Select(v => new HostCycle(v, Indication.None, v.Measured, [])))
            .ToList();
        // The per-cycle caps bound the migrations a cycle starts at once; an evacuation is one workflow that runs its
        // moves a few at a time (MigrationOptions.EvacuationConcurrency), so they do not cut it short. The other rules
        // (cooldown, hold) apply to every move.
        var uncapped = guardSettings with { MaxMigrationsPerCycle = int.MaxValue, MaxMigrationsPerHostPerCycle = int.MaxValue };
        var plan = new MigrationPlanner().Plan(hosts, context, uncapped);

        var result = new List<EvacuationPlanning>();
        foreach (var evaluation in evacuating)
        {
            var hostId = evaluation.HostId;
            var evacuationId = MigrationInstanceIds.Sanitise($"evacuate-{hostId}-{cycleId}").Replace('+', '-');
            var approved = plan.Migrations.Where(m => m.SourceHostId == hostId).ToList();
            var moves = approved.Select(m => new MigrationRequest(
                    $"{evacuationId}.{MigrationInstanceIds.Sanitise(m.Unit.Id).Replace('+', '-')}", hostId, m.DestinationHostId,
                    [.. m.Unit.Vms.Select(v => v.VmId)], m.Unit.GroupId, $"evacuate {hostId}: {evaluation.Decision!.Reason}", now)
            {
                WakeDestination = m.WakesHost,
            }).ToList();
            var powerDown = plan.PowerDownHosts.Contains(hostId, StringComparer.Ordinal);
            var recorded = plan.Rejected.Where(r => r.Migration.SourceHostId == hostId).Select(r => new DecisionMigration(
                    $"{evacuationId}.{MigrationInstanceIds.Sanitise(r.Migration.Unit.Id).Replace('+', '-')}", [.. r.Migration.Unit.Vms.Select(v => v.VmId)],
                    r.Migration.Unit.GroupId, r.Migration.DestinationHostId, r.Migration.WakesHost, $"not started: {r.Rule}: {r.Reason}"))
                .ToList();
            var notes = plan.Notes.Where(n => n.Contains($"'{hostId}'", StringComparison.Ordinal)).ToList();
            notes.AddRange(plan.Unplaced.Where(p => p.SourceHostId == hostId).Select(p => $"No destination for {p.Unit.Id}: {p.Reason}"));
            result.Add(new EvacuationPlanning(
                hostId,
                powerDown ? new EvacuationRequest(evacuationId, hostId, evaluation.Decision!.Reason, moves, now) : null,
                recorded,
                notes));
        }

        return result;
    }
}
