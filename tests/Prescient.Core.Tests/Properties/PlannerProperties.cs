using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Properties;

public class PlannerProperties
{
    private static readonly HostSettings Reactive = HostSettings.Default with { ControllerMode = ControllerModeSetting.Reactive };

    /// <summary>Random fleets: 2-9 hosts of 8-32 cores and 8-64 GB, some asleep, each with up to 6 VMs (some pinned, some grouped, some cooling).</summary>
    private static readonly Gen<FleetSnapshot> Fleets =
        from hostCount in Gen.Choose(2, 9)
        from hosts in (from cores in Gen.Choose(8, 32)
                       from memoryGb in Gen.Choose(8, 64)
                       from asleep in Gen.Choose(0, 9)
                       from vms in (from share in Gen.Choose(1, 35)
                                    from memoryMb in Gen.Choose(256, 12_000)
                                    from flags in Gen.Choose(0, 19)
                                    select (share, memoryMb, flags)).ListOf().Select(l => l.ToArray())
                       select (cores, memoryGb, asleep, vms)).ArrayOf(hostCount)
        select Build(hosts);

    private static FleetSnapshot Build((int Cores, int MemoryGb, int Asleep, (int Share, int MemoryMb, int Flags)[] Vms)[] hosts)
    {
        var now = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var hostList = new List<HostSnapshot>();
        var vmList = new List<VmSnapshot>();
        for (var h = 0; h < hosts.Length; h++)
        {
            var (cores, memoryGb, asleep, vms) = hosts[h];
            var id = $"h{h}";
            var memoryLeft = memoryGb * 1024.0;
            var load = 0.0;
            var i = 0;
            foreach (var (share, memoryMb, flags) in asleep == 0 ? [] : vms.Take(6))
            {
                if (memoryMb > memoryLeft || load + (share / 100.0) > 1)
                {
                    continue;
                }

                memoryLeft -= memoryMb;
                load += share / 100.0;
                var settings = new VmSettings(flags != 1, flags is 2 or 3 ? $"g{h}" : null, flags % 3);
                vmList.Add(new VmSnapshot($"v{h}.{i++}", id, share / 100.0 * cores, memoryMb, flags * 3)
                {
                    Settings = settings,
                    LastMovedAt = flags == 4 ? now.AddMinutes(-10) : null,
                });
            }

            hostList.Add(new HostSnapshot(id, cores, memoryGb * 1024.0, asleep == 0 ? PowerState.Reduced : PowerState.On, Reactive)
            {
                MeasuredLoad = asleep == 0 ? null : Math.Min(1, load),
            });
        }

        return new FleetSnapshot(now, hostList, vmList, []);
    }

    [Property(MaxTest = 400)]
    public Property A_plan_keeps_every_rule() => Prop.ForAll(Fleets.ToArbitrary(), snapshot =>
    {
        var plan = FleetPlanner.Plan(snapshot);
        var hosts = snapshot.Hosts.ToDictionary(h => h.HostId);
        var vms = snapshot.Vms.ToDictionary(v => v.VmId);
        var memory = snapshot.Hosts.ToDictionary(h => h.HostId, h => snapshot.Vms.Where(v => v.HostId == h.HostId).Sum(v => v.MemoryMb));
        var load = snapshot.Hosts.ToDictionary(h => h.HostId, h => (h.MeasuredLoad ?? 0) * h.CpuCapacityCores);
        var moves = plan.AllMoves.ToList();
        foreach (var move in moves)
        {
            foreach (var id in move.VmIds)
            {
                memory[move.SourceHostId] -= vms[id].MemoryMb;
                memory[move.DestinationHostId] += vms[id].MemoryMb;
                load[move.SourceHostId] -= vms[id].CpuCores;
                load[move.DestinationHostId] += vms[id].CpuCores;
            }
        }

        var movedVms = moves.SelectMany(m => m.VmIds).ToList();
        var destinations = moves.Select(m => m.DestinationHostId).ToHashSet();
        var sources = moves.Select(m => m.SourceHostId).ToHashSet();
        var rules = new (bool Holds, string Rule)[]
        {
            (memory.All(kv => kv.Value <= hosts[kv.Key].MemoryMb + 1e-6), "memory never overcommitted"),
            (destinations.All(d => load[d] / hosts[d].CpuCapacityCores <= hosts[d].Settings.ReactiveRange.High + 1e-9), "destinations stay within their high threshold"),
            (movedVms.Distinct().Count() == movedVms.Count, "a VM moves at most once"),
            (movedVms.All(id => vms[id].Settings.AutoMigrate), "pinned VMs never move"),
            (movedVms.All(id => vms[id].LastMovedAt is null), "cooling VMs never move"),
            (!destinations.Overlaps(moves.Where(m => m.Kind != MoveKind.MakeRoom).Select(m => m.SourceHostId)), "no host both gives and receives (except a host making room for an offload)"),
            (moves.Where(m => m.Kind == MoveKind.MakeRoom).All(m => moves.Any(o => o.Kind == MoveKind.Offload && o.DestinationHostId == m.SourceHostId)), "a host makes room only for an offload it receives"),
            (moves.Count <= PlannerOptions.Default.MaxMigrationsPerCycle, "the fleet cap"),
            (destinations.All(d => moves.Count(m => m.DestinationHostId == d) <= Reactive.MaxMigrationsPerHostPerCycle), "the arrivals cap"),
            (plan.Evacuations.All(e => snapshot.Vms.Where(v => v.HostId == e.HostId).All(v => movedVms.Contains(v.VmId))), "evacuations are whole"),
            (moves.All(m => m.WakesDestination == (hosts[m.DestinationHostId].PowerState == PowerState.Reduced)), "wakes exactly the sleeping destinations"),
            (moves.Where(m => m.GroupId is not null).All(m => snapshot.Vms.Where(v => v.Settings.GroupId == m.GroupId && v.HostId == m.SourceHostId).All(v => m.VmIds.Contains(v.VmId))), "groups move whole"),
        };
        var broken = rules.Where(r => !r.Holds).Select(r => r.Rule).ToList();
        return (broken.Count == 0).Label("broken: " + string.Join(", ", broken));
    });
}
