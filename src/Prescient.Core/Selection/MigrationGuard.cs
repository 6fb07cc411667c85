using System.Globalization;
using Prescient.Core.Controller;
using Prescient.Core.Settings;

namespace Prescient.Core.Selection;

/// <summary>One move in a plan.</summary>
/// <param name="Unit">What moves.</param>
/// <param name="SourceHostId">From.</param>
/// <param name="DestinationHostId">To.</param>
/// <param name="Indication">Why: offload or reduce power.</param>
/// <param name="Improvement">How much the move lowers the source's load (fraction of the source host).</param>
/// <param name="WakesHost">Whether the destination must be woken.</param>
public sealed record PlannedMigration(
    MigrationUnit Unit,
    string SourceHostId,
    string DestinationHostId,
    Indication Indication,
    double Improvement,
    bool WakesHost = false)
{
    /// <summary>A planned move from a placement.</summary>
    /// <exception cref="ArgumentException">The placement found no destination.</exception>
    public static PlannedMigration From(Placement placement, Indication indication)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return placement.DestinationHostId is { } destination
            ? new PlannedMigration(placement.Unit, placement.SourceHostId, destination, indication, placement.Unit.Cpu, placement.WakesHost)
            : throw new ArgumentException($"Unit '{placement.Unit.Id}' has no destination.", nameof(placement));
    }
}

/// <summary>Which rule stopped a move.</summary>
public enum GuardRule
{
    /// <summary>A VM of the unit moved less than the cooldown ago.</summary>
    Cooldown,

    /// <summary>The source's indication has not lasted the hold duration yet.</summary>
    Hold,

    /// <summary>The move lowers the source's load by less than the minimum improvement.</summary>
    MinimumImprovement,

    /// <summary>The overload is expected to end before the migration would.</summary>
    CostBenefit,

    /// <summary>The plan moved the unit away and back (A to B to A): both moves removed.</summary>
    PingPong,

    /// <summary>The cap on migrations per cycle was reached.</summary>
    CycleCap,

    /// <summary>The cap on migrations per host per cycle was reached for the source or destination.</summary>
    HostCap,

    /// <summary>Another move of the same evacuation was stopped, so the host could not be powered down anyway.</summary>
    IncompleteEvacuation,
}

/// <summary>A move the guard stopped, and why.</summary>
public sealed record RejectedMigration(PlannedMigration Migration, GuardRule Rule, string Reason);

/// <summary>What the guard let through and what it stopped.</summary>
public sealed record GuardResult(IReadOnlyList<PlannedMigration> Approved, IReadOnlyList<RejectedMigration> Rejected);

/// <summary>What the guard knows about the past and the near future.</summary>
/// <param name="Now">The time of the cycle.</param>
/// <param name="LastMovedAt">When each VM last moved (VM id to time); VMs not listed never moved.</param>
/// <param name="IndicationSince">Since when each host's current indication has held (host id to time); a host not listed has just started.</param>
/// <param name="ExpectedOverload">How long each source host's overload is expected to last (host id to duration); hosts not listed are not judged on cost-benefit.</param>
public sealed record GuardContext(
    DateTimeOffset Now,
    IReadOnlyDictionary<string, DateTimeOffset> LastMovedAt,
    IReadOnlyDictionary<string, DateTimeOffset> IndicationSince,
    IReadOnlyDictionary<string, TimeSpan> ExpectedOverload);

/// <summary>
/// Filters a plan against ping-pong and waste: chains inside the plan are collapsed (A to B to C becomes A to C;
/// A to B to A is dropped), then per move the VM cooldown, the hold duration, the minimum improvement (offloads
/// only) and cost-benefit (offloads only: no migration for an overload shorter than the migration), then the caps
/// per cycle and per host, in plan order.
/// </summary>
public static class MigrationGuard
{
    /// <summary>Filters <paramref name="plan"/> (in priority order) with <paramref name="settings"/>' knobs.</summary>
    public static GuardResult Filter(IReadOnlyList<PlannedMigration> plan, GuardContext context, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var rejected = new List<RejectedMigration>();
        var collapsed = CollapseChains(plan, rejected);

        var checkedMoves = new List<PlannedMigration>();
        foreach (var move in collapsed)
        {
            var why = Check(move, context, settings);
            if (why is { } r)
            {
                rejected.Add(new RejectedMigration(move, r.Rule, r.Reason));
            }
            else
            {
                checkedMoves.Add(move);
            }
        }

        var approved = new List<PlannedMigration>();
        var perHost = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var move in checkedMoves)
        {
            if (approved.Count >= settings.MaxMigrationsPerCycle)
            {
                rejected.Add(new RejectedMigration(move, GuardRule.CycleCap,
                    $"The cap of {settings.MaxMigrationsPerCycle} migrations per cycle is reached."));
                continue;
            }

            var busy = new[] { move.SourceHostId, move.DestinationHostId }
                .FirstOrDefault(h => perHost.GetValueOrDefault(h) >= settings.MaxMigrationsPerHostPerCycle);
            if (busy is not null)
            {
                rejected.Add(new RejectedMigration(move, GuardRule.HostCap,
                    $"Host '{busy}' already has {settings.MaxMigrationsPerHostPerCycle} migrations this cycle."));
                continue;
            }

            perHost[move.SourceHostId] = perHost.GetValueOrDefault(move.SourceHostId) + 1;
            perHost[move.DestinationHostId] = perHost.GetValueOrDefault(move.DestinationHostId) + 1;
            approved.Add(move);
        }

        return new GuardResult(approved, rejected);
    }

    /// <summary>
    /// How long a predicted overload lasts: the consecutive periods from now whose predicted load is above
    /// <paramref name="high"/>, times the period length (zero when the next period is not above).
    /// </summary>
    public static TimeSpan OverloadDuration(IReadOnlyList<double> predictedNext, double high, TimeSpan periodLength)
    {
        ArgumentNullException.ThrowIfNull(predictedNext);
        var periods = 0;
        while (periods < predictedNext.Count && predictedNext[periods] > high)
        {
            periods++;
        }

        return periodLength * periods;
    }

    private static (GuardRule Rule, string Reason)? Check(PlannedMigration move, GuardContext context, HostSettings settings)
    {
        foreach (var vm in move.Unit.Vms)
        {
            if (context.LastMovedAt.TryGetValue(vm.VmId, out var moved) && context.Now - moved < settings.VmCooldown)
            {
                return (GuardRule.Cooldown, string.Create(CultureInfo.InvariantCulture,
                    $"VM '{vm.VmId}' moved {(context.Now - moved).TotalMinutes:0} min ago; the cooldown is {settings.VmCooldown.TotalMinutes:0} min."));
            }
        }

        if (settings.HoldDuration > TimeSpan.Zero)
        {
            var since = context.IndicationSince.TryGetValue(move.SourceHostId, out var s) ? s : context.Now;
            if (context.Now - since < settings.HoldDuration)
            {
                return (GuardRule.Hold, string.Create(CultureInfo.InvariantCulture,
                    $"Host '{move.SourceHostId}' has shown {move.Indication} for {(context.Now - since).TotalMinutes:0} min; the hold is {settings.HoldDuration.TotalMinutes:0} min."));
            }
        }

        if (move.Indication == Indication.Offload)
        {
            if (move.Improvement < settings.MinimumImprovement)
            {
                return (GuardRule.MinimumImprovement, string.Create(CultureInfo.InvariantCulture,
                    $"Moving '{move.Unit.Id}' lowers the load of '{move.SourceHostId}' by {move.Improvement:0.###}, less than the minimum {settings.MinimumImprovement:0.###}."));
            }

            if (context.ExpectedOverload.TryGetValue(move.SourceHostId, out var overload) && overload < move.Unit.Cost.Duration)
            {
                return (GuardRule.CostBenefit, string.Create(CultureInfo.InvariantCulture,
                    $"The overload of '{move.SourceHostId}' is expected to last {overload.TotalSeconds:0} s, shorter than moving '{move.Unit.Id}' ({move.Unit.Cost.Duration.TotalSeconds:0} s)."));
            }
        }

        return null;
    }

    private static List<PlannedMigration> CollapseChains(IReadOnlyList<PlannedMigration> plan, List<RejectedMigration> rejected)
    {
        var result = new List<PlannedMigration?>();
        var lastIndexOfUnit = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var move in plan)
        {
            ArgumentNullException.ThrowIfNull(move);
            if (lastIndexOfUnit.TryGetValue(move.Unit.Id, out var index) && result[index] is { } earlier &&
                earlier.DestinationHostId == move.SourceHostId)
            {
                if (earlier.SourceHostId == move.DestinationHostId)
                {
                    var reason = $"Unit '{move.Unit.Id}' would go {earlier.SourceHostId} -> {earlier.DestinationHostId} -> {move.DestinationHostId} in one plan.";
                    rejected.Add(new RejectedMigration(earlier, GuardRule.PingPong, reason));
                    rejected.Add(new RejectedMigration(move, GuardRule.PingPong, reason));
                    result[index] = null;
                    lastIndexOfUnit.Remove(move.Unit.Id);
                }
                else
                {
                    result[index] = earlier with { DestinationHostId = move.DestinationHostId, WakesHost = move.WakesHost };
                }

                continue;
            }

            lastIndexOfUnit[move.Unit.Id] = result.Count;
            result.Add(move);
        }

        return [.. result.OfType<PlannedMigration>()];
    }
}
