using Prescient.Core.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Cli.Up;

/// <summary>The simulated hosts of <c>up</c>: the fleet simulator's model, each VM's demand set from its daily profile.</summary>
internal sealed class SimulatorDemoHosts(DemoFleet fleet, FleetSimulatorService service) : IDemoHosts
{
    public void FollowProfiles(DateTimeOffset now)
    {
        foreach (var vm in fleet.Vms)
        {
            service.Model.UpdateVm(vm.VmId, new VmUpdate(null, DemoFleet.CpuCores(vm, now)));
        }
    }

    public ValueTask<HostStatus> StatusAsync(string hostId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(service.Model.Status(hostId).Value!);
}
