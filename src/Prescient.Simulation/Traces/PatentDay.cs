namespace Prescient.Simulation.Traces;

/// <summary>
/// The day of the patent's figures (US 9,384,062): essentially no workload for the first hours; above 80 % from
/// mid-morning; maxed out around 100 % by late morning; below 80 % in the later afternoon; below 15 % in the late
/// evening; jagged with short spikes. <see cref="HostDemand"/> is the host's total demand (fraction of its capacity;
/// slightly above 1 at the peak, where the host saturates); <see cref="SplitIntoVms"/> divides it among VMs whose
/// demands always sum to it.
/// </summary>
public static class PatentDay
{
    /// <summary>Control points (hour of day, demand) of the smooth shape, linearly interpolated.</summary>
    public static IReadOnlyList<(double Hour, double Level)> Shape { get; } =
    [
        (0, 0.03), (6, 0.04), (7, 0.12), (8, 0.40), (9, 0.68), (9.75, 0.83), (10.5, 0.94), (11.25, 1.02),
        (12.75, 1.02), (13.5, 0.96), (15, 0.88), (16.25, 0.76), (17.5, 0.56), (19, 0.33), (20.25, 0.17),
        (21, 0.10), (22, 0.06), (24, 0.03),
    ];

    /// <summary>The jaggedness of the patent's drawn workload: noise plus a few short spikes an hour.</summary>
    public static NoiseOptions Jagged { get; } = new(NoiseSd: 0.025, NoiseCorrelation: 0.5, SpikesPerHour: 0.8, SpikeHeight: 0.07, SpikeDuration: TimeSpan.FromMinutes(3));

    /// <summary>The smooth level at <paramref name="hour"/> (0..24), scaled around its mean by <paramref name="amplitude"/> and shifted by <paramref name="shiftHours"/>.</summary>
    public static double LevelAt(double hour, double amplitude = 1.0, double shiftHours = 0.0)
    {
        var h = ((hour - shiftHours) % 24 + 24) % 24;
        for (var i = 1; i < Shape.Count; i++)
        {
            if (h <= Shape[i].Hour)
            {
                var (h0, l0) = Shape[i - 1];
                var (h1, l1) = Shape[i];
                return (l0 + ((l1 - l0) * (h - h0) / (h1 - h0))) * amplitude;
            }
        }

        return Shape[^1].Level * amplitude;
    }

    /// <summary>
    /// The host's demand for <paramref name="days"/> days from <paramref name="start"/> (local midnight). Each day
    /// gets its own small amplitude (±<paramref name="dayToDayVariation"/>) and timing (±10 minutes) variation from
    /// <paramref name="seed"/>, as real days differ a little.
    /// </summary>
    public static TimeSeries HostDemand(DateTimeOffset start, int days, TimeSpan step, int seed, NoiseOptions? noise = null, double dayToDayVariation = 0.03)
    {
        var rng = new Random(seed ^ 0x5EED);
        var amplitude = new Dictionary<DateOnly, (double A, double S)>();
        for (var d = 0; d < days + 1; d++)
        {
            var date = DateOnly.FromDateTime(start.AddDays(d).DateTime);
            amplitude[date] = (1 + (dayToDayVariation * ((2 * rng.NextDouble()) - 1)), ((2 * rng.NextDouble()) - 1) / 6.0);
        }

        return SyntheticTraceGenerator.FromShape(
            "patent-host", start, days, step,
            (date, hour) => amplitude.TryGetValue(date, out var v) ? LevelAt(hour, v.A, v.S) : LevelAt(hour),
            noise ?? Jagged, seed, max: 1.1);
    }

    /// <summary>
    /// Splits a host demand among VMs with base shares <paramref name="shares"/> (normalised) that drift slowly
    /// (±15 %, a few hours' period) so that the VMs differ; at every sample the VM demands sum to the host demand.
    /// </summary>
    public static IReadOnlyList<TimeSeries> SplitIntoVms(TimeSeries host, IReadOnlyList<double> shares, int seed, string prefix = "vm")
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0 || shares.Any(s => !(s > 0)))
        {
            throw new ArgumentException("Shares must be positive and at least one.", nameof(shares));
        }

        var rng = new Random(seed);
        var n = shares.Count;
        var phase = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
        var period = Enumerable.Range(0, n).Select(_ => 3 + (rng.NextDouble() * 5)).ToArray();
        var columns = Enumerable.Range(0, n).Select(_ => new double[host.Count]).ToArray();
        var weights = new double[n];
        for (var i = 0; i < host.Count; i++)
        {
            var hours = (host.Timestamps[i] - host.Start).TotalHours;
            var total = 0.0;
            for (var v = 0; v < n; v++)
            {
                weights[v] = shares[v] * (1 + (0.15 * Math.Sin((2 * Math.PI * hours / period[v]) + phase[v])));
                total += weights[v];
            }

            for (var v = 0; v < n; v++)
            {
                columns[v][i] = host.Values[i] * weights[v] / total;
            }
        }

        return [.. columns.Select((c, v) => new TimeSeries($"{prefix}-{v + 1}", host.Timestamps, c, host.Step))];
    }
}
