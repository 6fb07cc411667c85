using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Settings;

namespace Prescient.Core.Planning;

/// <summary>A host's working state while a cycle is planned: its projected load and memory as moves are applied. Planner-internal.</summary>
internal sealed class PlanningHost
{
    public PlanningHost(HostSnapshot snapshot, int horizon)
    {
        Snapshot = snapshot;
        LoadCores = new double[horizon];
        var measured = snapshot.Measured ?? 0;
        for (var i = 0; i < horizon; i++)
        {
            // The projected load: the forecast's upper quantile per period, never below the measured load for the
            // period under way; without a forecast, the measured load stands for every period.
            var forecast = snapshot.Forecast is { } f ? f.Upper[Math.Min(i, f.Upper.Count - 1)] : measured;
            LoadCores[i] = (i == 0 ? Math.Max(measured, forecast) : forecast) * snapshot.CpuCapacityCores;
        }

        NowCores = measured * snapshot.CpuCapacityCores;
    }

    public HostSnapshot Snapshot { get; }

    public string Id => Snapshot.HostId;

    public HostSettings Settings => Snapshot.Settings;

    public double Capacity => Snapshot.CpuCapacityCores;

    public double[] LoadCores { get; }

    /// <summary>
    /// The load measured now, in cores, as this cycle's moves change it (each unit counted at its current demand): the
    /// reactive view, which does not depend on the host's forecast (a forecast learnt from the VMs a host used to run).
    /// </summary>
    public double NowCores { get; set; }

    public double MemoryUsedMb { get; set; }

    public List<PlanningUnit> Units { get; } = [];

    public Decision? Decision { get; set; }

    public ControllerState? NewState { get; set; }

    public DateTimeOffset? IndicationSince { get; set; }

    public List<string> Notes { get; } = [];

    /// <summary>Cores leaving with migrations already in flight.</summary>
    public double InFlightDepartingCores { get; set; }

    /// <summary>An evacuation in flight is emptying this host.</summary>
    public bool BeingEvacuated { get; set; }

    /// <summary>A migration in flight starts or ends here.</summary>
    public bool HasInFlight { get; set; }

    public int Arrivals { get; set; }

    public int Departures { get; set; }

    public bool Received { get; set; }

    /// <summary>Being emptied in this cycle (offload sources and evacuations receive nothing).</summary>
    public bool Excluded { get; set; }

    public bool Emptied { get; set; }

    public bool Woken { get; set; }

    public Indication Indication => Decision?.Indication ?? Indication.None;

    public bool IsOn => Snapshot.PowerState == PowerState.On || Woken;

    public bool IsAsleep => Snapshot.PowerState == PowerState.Reduced && !Woken;

    /// <summary>The mode the host is in (after this cycle's decision, or as stored).</summary>
    public ControllerMode Mode => Decision?.ModeAfter ?? Snapshot.ControllerState.Mode;

    /// <summary>The operating range in force.</summary>
    public WorkloadRange Range => Mode == ControllerMode.Proactive ? Settings.ProactiveRange : Settings.ReactiveRange;

    /// <summary>The highest projected load over the horizon, as a fraction of capacity.</summary>
    public double PeakLoad => Math.Max(0, LoadCores.Max()) / Capacity;

    /// <summary>The highest projected load over the horizon with <paramref name="arriving"/> here (and <paramref name="leaving"/> gone), as a fraction of capacity.</summary>
    public double PeakWith(PlanningUnit arriving, PlanningUnit? leaving = null)
    {
        var peak = 0.0;
        for (var i = 0; i < LoadCores.Length; i++)
        {
            peak = Math.Max(peak, (LoadCores[i] + arriving.CpuCores[i] - (leaving?.CpuCores[i] ?? 0)) / Capacity);
        }

        return peak;
    }

    /// <summary>The load measured now with <paramref name="arriving"/> here, as a fraction of capacity.</summary>
    public double NowWith(PlanningUnit arriving) => (NowCores + arriving.NowCores) / Capacity;

    /// <summary>Whether the host may receive VMs at all (it is known, measured or asleep, and not unavailable).</summary>
    public bool CanReceive =>
        !Excluded && !BeingEvacuated && Snapshot.PowerState != PowerState.Unavailable && Snapshot.PowerState != PowerState.Waking &&
        (IsAsleep || Woken || Snapshot.Measured is not null);

    public void Add(PlanningUnit unit, double sign)
    {
        for (var i = 0; i < LoadCores.Length; i++)
        {
            LoadCores[i] += sign * unit.CpuCores[i];
        }

        NowCores += sign * unit.NowCores;
        MemoryUsedMb += sign * unit.MemoryMb;
    }
}
