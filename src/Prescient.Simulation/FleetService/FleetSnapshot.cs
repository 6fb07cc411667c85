using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>A snapshot of the whole fleet for the admin API and invariant checks.</summary>
public sealed record FleetSnapshot(
    IReadOnlyList<HostSnapshot> Hosts,
    IReadOnlyList<VmSnapshot> Vms,
    IReadOnlyList<HostMigrationStatus> Migrations,
    int LockRefusals)
{
    /// <summary>
    /// The atomic-lock invariants: a VM executes on at most one host; a VM with no migration in flight executes on
    /// exactly one host (never lost); the host executing a VM holds its disk lock. Returns every violation found.
    /// </summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        var inFlight = Migrations
            .Where(m => m.Phase is not (HostMigrationPhase.Finished or HostMigrationPhase.Aborted))
            .Select(m => m.VmId)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var vm in Vms)
        {
            var running = Hosts.Where(h => h.Instances.Any(i => i.VmId == vm.VmId && i.State == VmRunState.Running)).Select(h => h.HostId).ToList();
            if (running.Count > 1)
            {
                violations.Add($"{vm.VmId} runs on {running.Count} hosts: {string.Join(", ", running)}");
            }
            else if (running.Count == 0 && !inFlight.Contains(vm.VmId))
            {
                violations.Add($"{vm.VmId} runs nowhere and no migration is in flight (lost)");
            }
            else if (running.Count == 1 && running[0] != vm.DiskLockHolder)
            {
                violations.Add($"{vm.VmId} runs on {running[0]} but {vm.DiskLockHolder} holds its disk lock");
            }
        }

        return violations;
    }

    /// <summary>The host executing the VM, or null.</summary>
    public string? RunningOn(string vmId) =>
        Hosts.FirstOrDefault(h => h.Instances.Any(i => i.VmId == vmId && i.State == VmRunState.Running))?.HostId;
}
