using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Engine;

/// <summary>
/// Replays one day of a <see cref="SimulationSetup"/> under one policy in simulated time: every period the VMs'
/// forecasters learn the period that ended and predict the new one; every evaluation interval the product's planner
/// (<see cref="Core.Planning.FleetPlanner"/>: each host's controller, then offloads and evacuations) plans the fleet
/// and the engine carries the plan out through the fleet model (migrations with their costs, power-down, wake-up).
/// </summary>
public sealed class SimulationEngine
{
    private readonly SimulationSetup _setup;
    private readonly EngineOptions _o;

    public SimulationEngine(SimulationSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Options.Validate();
        if (!setup.Hosts.Any(h => h.Id == setup.FocusHostId))
        {
            throw new ArgumentException($"The focus host '{setup.FocusHostId}' is not in the fleet.", nameof(setup));
        }

        _setup = setup;
        _o = setup.Options;
    }

    public DateTimeOffset DayStart => new(_setup.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public int PeriodsPerDay => (int)(TimeSpan.FromDays(1) / _o.PeriodLength);

    /// <summary>Mean utilisation of the VM's vCPUs over one period.</summary>
    public double VmPeriodMean(VmSpec vm, DateTimeOffset periodStart)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var samples = (int)(_o.PeriodLength / _o.Step);
        var sum = 0.0;
        for (var i = 0; i < samples; i++)
        {
            sum += vm.DemandCores.ValueAt(periodStart + (_o.Step * i));
        }

        return Math.Clamp(sum / samples / vm.Vcpus, 0, 1);
    }

    /// <summary>The per-period history of a VM over the given days, for bulk training.</summary>
    public IReadOnlyList<VmPeriod> History(VmSpec vm, IEnumerable<DateOnly> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var list = new List<VmPeriod>();
        foreach (var day in days.Order())
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var previous = VmPeriodMean(vm, start - _o.PeriodLength);
            for (var p = 0; p < PeriodsPerDay; p++)
            {
                var actual = VmPeriodMean(vm, start + (_o.PeriodLength * p));
                list.Add(new VmPeriod(day, p, previous, actual));
                previous = actual;
            }
        }

        return list;
    }

    public PolicyResult Run(PolicyDefinition policy, IReadOnlyDictionary<string, IVmForecaster> forecasters, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(forecasters);
        return new SimulationReplay(this, _setup, policy, forecasters, progress).Execute();
    }
}
