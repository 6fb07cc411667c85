namespace Prescient.Simulation.Engine;

/// <summary>
/// A per-VM workload forecaster as the engine uses it (the patent's network, adapted in <see cref="NetworkForecaster"/>).
/// Values are utilisations of the VM's vCPUs in [0, 1].
/// </summary>
public interface IVmForecaster
{
    /// <summary>Bulk training on history (cycling it <paramref name="epochs"/> times).</summary>
    void Train(IReadOnlyList<VmPeriod> history, int epochs);

    /// <summary>The forecast of <paramref name="period"/> on <paramref name="date"/>, or null when it makes none.</summary>
    double? Predict(DateOnly date, int period, double lastMeasured);

    /// <summary>Online update with a newly measured period.</summary>
    void Observe(VmPeriod measured);

    /// <summary>An independent copy (each policy replays the day from the same trained state).</summary>
    IVmForecaster Clone();
}
