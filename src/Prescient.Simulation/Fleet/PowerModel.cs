namespace Prescient.Simulation.Fleet;

/// <summary>
/// Host power draw in watts versus CPU load (points at 0 %, 10 %, ..., 100 %, linearly interpolated, as SPECpower
/// reports), plus the draw in reduced power (standby) and while waking up.
/// </summary>
public sealed record PowerModel
{
    public PowerModel(IReadOnlyList<double> wattsAtLoad, double reducedWatts, double wakingWatts)
    {
        ArgumentNullException.ThrowIfNull(wattsAtLoad);
        if (wattsAtLoad.Count != 11)
        {
            throw new ArgumentException("Give 11 points: the draw at 0 %, 10 %, ..., 100 % load.", nameof(wattsAtLoad));
        }

        for (var i = 0; i < wattsAtLoad.Count; i++)
        {
            if (!(wattsAtLoad[i] >= 0) || (i > 0 && wattsAtLoad[i] < wattsAtLoad[i - 1]))
            {
                throw new ArgumentException("Power points must be non-negative and non-decreasing with load.", nameof(wattsAtLoad));
            }
        }

        if (!(reducedWatts >= 0) || !(wakingWatts >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(reducedWatts), "Reduced and waking draws must be non-negative.");
        }

        WattsAtLoad = [.. wattsAtLoad];
        ReducedWatts = reducedWatts;
        WakingWatts = wakingWatts;
    }

    public IReadOnlyList<double> WattsAtLoad { get; }

    public double ReducedWatts { get; }

    public double WakingWatts { get; }

    /// <summary>A straight line from <paramref name="idle"/> to <paramref name="max"/> watts.</summary>
    public static PowerModel Linear(double idle, double max, double reduced = 10) =>
        new([.. Enumerable.Range(0, 11).Select(i => idle + ((max - idle) * i / 10.0))], reduced, idle);

    /// <summary>SPECpower, HP ProLiant ML110 G5 (as in Beloglazov and Buyya, CCPE 2012); sleeping 0 W.</summary>
    public static PowerModel HpProLiantMl110G5 { get; } = new([93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135], 0, 93.7);

    /// <summary>SPECpower, HP ProLiant ML110 G4; sleeping 0 W.</summary>
    public static PowerModel HpProLiantMl110G4 { get; } = new([86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117], 0, 86);

    /// <summary>The draw of a powered host at <paramref name="load"/> in [0, 1].</summary>
    public double WattsAt(double load)
    {
        var x = Math.Clamp(load, 0, 1) * 10;
        var i = Math.Min((int)Math.Floor(x), 9);
        return WattsAtLoad[i] + ((WattsAtLoad[i + 1] - WattsAtLoad[i]) * (x - i));
    }
}
