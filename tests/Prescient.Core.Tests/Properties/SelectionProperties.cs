using Prescient.Core.Migration;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prescient.Core.Selection;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Properties;

public class SelectionProperties
{
    private static readonly Gen<VmInfo[]> Vms =
        (from cpu in Gen.Choose(1, 40)
         from memory in Gen.Choose(1, 64)
         from dirty in Gen.Choose(0, 500)
         select (cpu, memory, dirty))
        .ListOf()
        .Select(list => list.Take(8).Select((v, i) => new VmInfo($"vm{i}", null, 0, true, v.cpu / 100.0, v.memory * 512.0, v.dirty)).ToArray());

    private static int BruteForceMinimum(VmInfo[] vms, double needed)
    {
        var best = int.MaxValue;
        for (var mask = 0; mask < 1 << vms.Length; mask++)
        {
            var sum = 0.0;
            var count = 0;
            for (var i = 0; i < vms.Length; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    sum += vms[i].Cpu;
                    count++;
                }
            }

            if (sum >= needed - 1e-12)
            {
                best = Math.Min(best, count);
            }
        }

        return best;
    }

    [Property(MaxTest = 300)]
    public Property Offload_moves_the_fewest_possible_vms() =>
        Prop.ForAll(Vms.ToArbitrary(), Gen.Choose(1, 60).ToArbitrary(), (vms, excessPercent) =>
        {
            var load = Math.Min(1, vms.Sum(v => v.Cpu));
            var target = Math.Max(0, load - (excessPercent / 100.0));
            var selection = new VmSelector().Offload(vms, load, target);
            var minimum = BruteForceMinimum(vms, load - target);
            return minimum == int.MaxValue
                ? !selection.Sufficient
                : selection.Sufficient && selection.Units.Count == minimum && selection.LoadAfter <= target + 1e-9;
        });

    [Property(MaxTest = 200)]
    public Property Placements_never_overcommit_memory_or_leave_the_range() =>
        Prop.ForAll(
            (from loads in Gen.Choose(0, 80).ArrayOf()
             from memories in Gen.Choose(1, 64).ArrayOf()
             from vms in Vms
             select (loads, memories, vms)).ToArbitrary(),
            input =>
            {
                var range = new WorkloadRange(0.15, 0.8);
                var count = Math.Min(input.loads.Length, input.memories.Length);
                var hosts = Enumerable.Range(0, count)
                    .Select(i => new HostView($"h{i}", 16 + (i % 3 * 16), input.memories[i] * 1024.0, input.memories[i] * 256.0, input.loads[i] / 100.0, [], PowerState.On, range))
                    .Append(new HostView("src", 32, 65_536, 0, 0.95, [], PowerState.On, range))
                    .ToList();
                var selector = new DestinationSelector(hosts);
                var memory = hosts.ToDictionary(h => h.HostId, h => h.UsedMemoryMb);
                var load = hosts.ToDictionary(h => h.HostId, h => h.Measured);
                foreach (var vm in input.vms)
                {
                    var placement = selector.Place(new MigrationUnit([vm], MigrationCostModel.Default), "src");
                    if (placement.DestinationHostId is { } to)
                    {
                        var host = hosts.Single(h => h.HostId == to);
                        memory[to] += vm.MemoryMb;
                        load[to] += vm.Cpu * 32 / host.CpuCapacity;
                    }
                }

                return hosts.Where(h => h.HostId != "src").All(h => memory[h.HostId] <= h.MemoryMb && load[h.HostId] <= h.Range.High + 1e-9);
            });
}
