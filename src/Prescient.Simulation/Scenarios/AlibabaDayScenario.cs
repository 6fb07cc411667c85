using Prescient.Core.Migration;
using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Simulation.Engine;
using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Scenarios;

/// <summary>
/// A day of real traces: the Alibaba cluster-trace-v2018 machines (the data with the strongest daily pattern in
/// <c>../shared/data</c>) each become an 8-vCPU VM on four 16-core hosts. The VMs' networks train on six days, then
/// day 7 (and optionally day 8) is replayed under the same three policies as <see cref="PatentDayScenario"/>.
/// Needs the real traces; they are never copied into the repository.
/// </summary>
public static class AlibabaDayScenario
{
    public const string Name = "alibaba-day";

    /// <summary>The trace's second 0 is mapped to this (arbitrary) midnight.</summary>
    public static readonly DateTimeOffset Origin = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Scenario Create(string dataFolder, int replayDays = 1, int seed = 7)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        if (replayDays is < 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(replayDays), replayDays, "The Alibaba trace has 8 days: train on 6, replay 1 or 2.");
        }

        var path = Path.Combine(dataFolder, "alibaba2018", "machine_usage.csv");
        var machines = AlibabaMachineUsageReader.ReadFile(path, Origin);
        const int trainingDays = 6;
        var minute = TimeSpan.FromMinutes(1);
        var days = trainingDays + replayDays;
        var vms = new List<VmSpec>();
        foreach (var (id, series) in machines.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            // Machines whose trace starts late (m_1932 covers only the last days) are left out.
            if (series.Start > Origin.AddHours(12) || series.End < Origin.AddDays(days))
            {
                continue;
            }

            var grid = series.Resample(Origin, minute, (int)(TimeSpan.FromDays(days) / minute));
            vms.Add(new VmSpec(id, 8, 16384, 20, grid.Scale(8)));
        }

        if (vms.Count < 4)
        {
            throw new TraceFormatException(path, 0, $"only {vms.Count} machines cover the {days} days needed; the scenario needs at least 4.");
        }

        var power = PowerModel.Linear(idle: 110, max: 250, reduced: 8);
        var hosts = Enumerable.Range(1, 4).Select(i => new HostSpec($"host-{i}", 16, 128 * 1024, power, TimeSpan.FromMinutes(3))).ToList();
        var placement = vms.Select((vm, i) => (vm, hosts[i % hosts.Count].Id)).ToList();
        var engine = new EngineOptions();
        var calendar = PeriodCalendar.Default;
        var reactive = HostSettings.Default with { ControllerMode = ControllerModeSetting.Reactive };
        var proactive = HostSettings.Default with
        {
            ControllerMode = ControllerModeSetting.Autostart,
            ProactiveRange = new WorkloadRange(0.15, PatentDayScenario.ProactiveHigh),
            FailsafeRange = new WorkloadRange(0.0, 0.95),
        };
        var categorizer = DayCategorizer.None;
        IVmForecaster NewForecaster(string vmId) => NetworkForecaster.Create(
            PredictorOptions.FromSettings(proactive, calendar) with
            {
                Network = NetworkOptions.Default with { Seed = (ulong)seed + PatentDayScenario.StableHash(vmId) },
                KeepTrainingAfterDeadline = true,
            },
            categorizer,
            calendar.PeriodsPerDay);

        var day = DateOnly.FromDateTime(Origin.AddDays(trainingDays).UtcDateTime);
        var c = CultureInfo.InvariantCulture;
        string[] parameters =
        [
            string.Create(c, $"trace: {path} (Alibaba cluster-trace-v2018, research or study use only; read in place, never copied)"),
            string.Create(c, $"VMs: {vms.Count} machines ({string.Join(", ", vms.Select(v => v.Id))}) as 8-vCPU, 16 GB VMs (demand = CPU % x 8 cores, 1-minute means)"),
            string.Create(c, $"hosts: 4 x 16 cores, 128 GB, VMs placed round-robin; power 110-250 W, 8 W reduced, 3 min to wake"),
            string.Create(c, $"networks: one per VM, trained {engine.TrainingEpochs} epochs on trace days 1-{trainingDays} (every day alike), online learning during the replay"),
            string.Create(c, $"controller and selection as in patent-day (proactive range {proactive.ProactiveRange}, offload headroom {engine.OffloadHeadroom:P0}); power-down at any time"),
        ];
        var setup = new SimulationSetup(
            Name,
            $"Day {trainingDays + 1} of the Alibaba 2018 machine trace, the machines as VMs on four hosts, replayed without migration, reactive and proactive.",
            hosts,
            placement,
            new MigrationCostSettings(),
            day,
            [.. Enumerable.Range(0, trainingDays).Select(d => DateOnly.FromDateTime(Origin.AddDays(d).UtcDateTime))],
            hosts[0].Id,
            engine,
            parameters)
        {
            Days = replayDays,
        };
        return new Scenario(setup, NewForecaster, PatentDayScenario.Policies(reactive, proactive));
    }
}
