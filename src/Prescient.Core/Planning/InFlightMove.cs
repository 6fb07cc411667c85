namespace Prescient.Core.Planning;

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
