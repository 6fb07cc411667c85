namespace Prescient.Core.Planning;

/// <summary>
/// What the planner sees of the fleet at one evaluation: every host with its controller state, measured load and
/// forecast, every VM with its demand, memory, settings and when it last moved, and the migrations in flight. The
/// live evaluate function, <c>prescient up</c>, <c>simulate</c> and the benchmark each build one and hand it to
/// <see cref="FleetPlanner.Plan"/>.
/// </summary>
/// <param name="Now">The time of the evaluation.</param>
/// <param name="Hosts">Every host (on, in reduced power, or unavailable).</param>
/// <param name="Vms">Every VM, on the host it runs on now.</param>
/// <param name="InFlight">Migrations started earlier and not finished: their VMs are busy, their destinations reserve room.</param>
public sealed record FleetSnapshot(
    DateTimeOffset Now,
    IReadOnlyList<HostSnapshot> Hosts,
    IReadOnlyList<VmSnapshot> Vms,
    IReadOnlyList<InFlightMove> InFlight)
{
    /// <summary>The length of a period (forecasts are per period; cost-benefit compares overload periods with migration time).</summary>
    public TimeSpan PeriodLength { get; init; } = TimeSpan.FromMinutes(20);
}

/// <summary>A migration in flight: its VMs are busy; its destination counts them already (memory and CPU).</summary>
/// <param name="MigrationId">The migration.</param>
/// <param name="VmIds">The VMs moving (one VM or a move-together group).</param>
/// <param name="SourceHostId">Where they run until the switch-over.</param>
/// <param name="DestinationHostId">Where they go.</param>
public sealed record InFlightMove(string MigrationId, IReadOnlyList<string> VmIds, string SourceHostId, string DestinationHostId)
{
    /// <summary>Part of a reduce-power evacuation: the source is being emptied and receives nothing until it is.</summary>
    public bool Evacuation { get; init; }
}
