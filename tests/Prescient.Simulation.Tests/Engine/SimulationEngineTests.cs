using Prescient.Core.Migration;
using Prescient.Core.Settings;
using Prescient.Simulation.Engine;
using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Engine;

public class SimulationEngineTests
{
    private static readonly DateOnly Day = new(2026, 3, 18);
    private static readonly DateTimeOffset Start = new(Day.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>Forecasts the last measured value (no network: keeps these tests fast).</summary>
    private sealed class LastValue : IVmForecaster
    {
        public void Train(IReadOnlyList<VmPeriod> history, int epochs)
        {
        }

        public double? Predict(DateOnly date, int period, double lastMeasured) => lastMeasured;

        public void Observe(VmPeriod measured)
        {
        }

        public IVmForecaster Clone() => new LastValue();
    }

    private static VmSpec Vm(string id, Func<double, double> coresAtHour, double memoryMb = 4096, bool auto = true) =>
        new(id, 4, memoryMb, 10, TimeSeries.Regular(id, Start, TimeSpan.FromMinutes(5),
            [.. Enumerable.Range(0, 3 * 288).Select(i => coresAtHour(i * 5 / 60.0 % 24))]), AutoMigrate: auto);

    private static SimulationSetup Setup(IReadOnlyList<(VmSpec, string)> placement, EngineOptions? options = null, double destinationMemoryMb = 65536) =>
        new("test", "test", [new HostSpec("a", 8, 65536, PowerModel.Linear(100, 200), TimeSpan.FromMinutes(1)), new HostSpec("b", 16, destinationMemoryMb, PowerModel.Linear(100, 200), TimeSpan.FromMinutes(1))],
            placement, new MigrationCostSettings(), Day, [Day.AddDays(-1)], "a", options ?? new EngineOptions(), []);

    private static PolicyResult Run(SimulationSetup setup)
    {
        var engine = new SimulationEngine(setup);
        var reactive = new PolicyDefinition("reactive", "", true, HostSettings.Default with { ControllerMode = ControllerModeSetting.Reactive });
        return engine.Run(reactive, setup.Placement.ToDictionary(p => p.Item1.Id, _ => (IVmForecaster)new LastValue()));
    }

    [Fact]
    public void Reactive_offloads_when_measured_crosses_high_and_the_destination_takes_the_vm()
    {
        // host-a: 4 cores steady plus 3.5 cores from 10:00 to 14:00 (94 %); host-b: 4 of 16 cores.
        var setup = Setup(
        [
            (Vm("steady", _ => 4), "a"),
            (Vm("busy", h => h is >= 10 and < 14 ? 3.5 : 0.5), "a"),
            (Vm("other", _ => 4), "b"),
        ]);
        var result = Run(setup);
        var first = result.MigrationLog.First();
        Assert.Equal("a", first.Source);
        Assert.Equal("b", first.Destination);
        Assert.InRange(first.Requested.TimeOfDay.TotalHours, 10, 10.2);
        var hostA = result.Hosts.Single(h => h.HostId == "a");
        Assert.True(hostA.Points.Where(p => p.Time.TimeOfDay.TotalHours is > 11 and < 14).All(p => p.Measured <= 0.80));
        Assert.Equal(result.Hosts.Sum(h => h.MinutesAboveHigh), result.MinutesAboveHigh);
    }

    [Fact]
    public void Reduce_power_outside_the_window_is_recorded_but_not_acted_on()
    {
        var options = new EngineOptions { PowerDownWindow = (new TimeOnly(18, 0), new TimeOnly(23, 59)) };
        var setup = Setup([(Vm("idle", h => h < 20 ? 0.2 : 0.1), "a"), (Vm("other", _ => 4), "b")], options);
        var result = Run(setup);
        var m = Assert.Single(result.MigrationLog);
        Assert.True(m.Requested.TimeOfDay >= TimeSpan.FromHours(18));
        Assert.Contains(result.Decisions, d => d.Indication == "reduce-power" && d.Outcome.StartsWith("not acted on", StringComparison.Ordinal));
        var hostA = result.Hosts.Single(h => h.HostId == "a");
        Assert.InRange(hostA.HoursPoweredDown, 5.5, 6.0);
        Assert.Equal("off", hostA.Points[^1].Mode);
    }

    [Fact]
    public void A_host_whose_vms_cannot_all_move_is_not_evacuated()
    {
        var setup = Setup([(Vm("pinned", _ => 0.2, auto: false), "a"), (Vm("free", _ => 0.2), "a"), (Vm("other", _ => 4), "b")]);
        var result = Run(setup);
        Assert.Empty(result.MigrationLog);
        Assert.Contains(result.Decisions, d => d.Outcome.Contains("stays on", StringComparison.Ordinal) && d.Outcome.Contains("automatic migration is off", StringComparison.Ordinal));
        Assert.Equal(0, result.HostHoursPoweredDown);
    }

    [Fact]
    public void Evacuation_is_all_or_nothing_when_memory_does_not_fit()
    {
        var setup = Setup([(Vm("v1", _ => 0.2, memoryMb: 6000), "a"), (Vm("v2", _ => 0.2, memoryMb: 6000), "a"), (Vm("other", _ => 4, memoryMb: 1000), "b")], destinationMemoryMb: 8000);
        var result = Run(setup);
        Assert.Empty(result.MigrationLog);
        Assert.Contains(result.Decisions, d => d.Outcome.Contains("no running host fits", StringComparison.Ordinal) && d.Outcome.Contains("nothing moves", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_migration_measured_is_what_the_vms_ask_for_capped_at_the_host_and_several_days_replay()
    {
        var setup = Setup([(Vm("v1", h => h is >= 9 and < 17 ? 10 : 2), "a"), (Vm("other", _ => 4), "b")]) with { Days = 2 };
        var engine = new SimulationEngine(setup);
        var none = new PolicyDefinition("none", "", false, HostSettings.Default);
        var result = engine.Run(none, setup.Placement.ToDictionary(p => p.Item1.Id, _ => (IVmForecaster)new LastValue()));
        Assert.Empty(result.MigrationLog);
        Assert.All(result.Hosts, h => Assert.Equal(2 * 288, h.Points.Count));
        Assert.All(result.Hosts.SelectMany(h => h.Points), p => Assert.Equal(p.Demand, p.Measured, 9));
        var hostA = result.Hosts.Single(h => h.HostId == "a");
        Assert.Equal(1.0, hostA.PeakMeasured, 9);
        Assert.Equal(2 * 8 * 60, hostA.MinutesAboveHigh, 9);
        Assert.Equal(2 * 8 * 60, result.SaturatedMinutes, 6);
    }
}
