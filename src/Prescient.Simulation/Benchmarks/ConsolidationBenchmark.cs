using System.Globalization;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Benchmarks;

/// <summary>What to run: trace folder, days, policies, parallelism.</summary>
public sealed record ConsolidationBenchmarkOptions
{
    public required string TracesDirectory { get; init; }

    /// <summary>Day folder names (YYYYMMDD); empty = every day folder present.</summary>
    public IReadOnlyList<string> Days { get; init; } = [];

    /// <summary>Policy names to run (case-insensitive); empty = all.</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public ConsolidationSetup Setup { get; init; } = new();
}

/// <summary>The results of a run: every (policy, day) and the medians per policy.</summary>
public sealed record ConsolidationReport(IReadOnlyList<ConsolidationResult> Results, IReadOnlyList<ConsolidationResult> Medians)
{
    /// <summary>The oracle's median (null when the oracle was not run).</summary>
    public ConsolidationResult? Oracle => Medians.FirstOrDefault(m => m.Name == "oracle");
}

/// <summary>Runs the consolidation benchmark: days x policies in parallel.</summary>
public static class ConsolidationBenchmark
{
    /// <summary>All policies the benchmark knows, by name (baselines, the oracle, then extra ones given).</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> AllPolicies(IEnumerable<Func<IConsolidationPolicy>>? extra = null) =>
        [.. BaselinePolicy.Standard, PrescientPolicy.Oracle, .. PrescientPolicy.Standard, .. extra ?? []];

    public static IReadOnlyList<string> ResolveDays(string tracesDirectory, IReadOnlyList<string> requested)
    {
        if (!Directory.Exists(tracesDirectory))
        {
            throw new DirectoryNotFoundException($"PlanetLab trace folder '{tracesDirectory}' not found. Pass --traces DIR (a folder holding YYYYMMDD day folders, e.g. ../shared/data/planetlab).");
        }

        var present = Directory.EnumerateDirectories(tracesDirectory)
            .Select(Path.GetFileName)
            .Where(n => n is not null && n.Length == 8 && n.All(char.IsAsciiDigit))
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (requested.Count == 0)
        {
            if (present.Count == 0)
            {
                throw new DirectoryNotFoundException($"'{tracesDirectory}' holds no day folders (YYYYMMDD).");
            }

            return present;
        }

        foreach (var d in requested)
        {
            if (!present.Contains(d))
            {
                throw new ArgumentException($"Day '{d}' is not in '{tracesDirectory}' (present: {string.Join(", ", present)}).");
            }
        }

        return [.. requested.Distinct()];
    }

    public static ConsolidationReport Run(
        ConsolidationBenchmarkOptions options,
        IReadOnlyList<Func<IConsolidationPolicy>> policies,
        Action<ConsolidationResult>? completed = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policies);
        var days = ResolveDays(options.TracesDirectory, options.Days);
        var selected = SelectPolicies(policies, options.Policies);
        var loaded = days.ToDictionary(d => d, d => new Lazy<PlanetLabDay>(() => PlanetLabDay.Load(Path.Combine(options.TracesDirectory, d)), LazyThreadSafetyMode.ExecutionAndPublication));
        var work = (from d in days from p in selected select (Day: d, Policy: p)).ToList();
        var results = new ConsolidationResult[work.Count];
        var simulator = new ConsolidationSimulator(options.Setup);
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, i =>
        {
            var (day, factory) = work[i];
            var result = simulator.Run(loaded[day].Value, factory());
            results[i] = result;
            completed?.Invoke(result);
        });

        var ordered = results.ToList();
        var medians = ordered.GroupBy(r => r.Name).Select(g => Median(g.ToList())).ToList();
        return new ConsolidationReport(ordered, medians);
    }

    /// <summary>The policies whose names match (all when <paramref name="names"/> is empty); unknown names are an error.</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> SelectPolicies(IReadOnlyList<Func<IConsolidationPolicy>> policies, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            return policies;
        }

        var byName = policies.ToDictionary(f => f().Name, f => f, StringComparer.OrdinalIgnoreCase);
        var chosen = new List<Func<IConsolidationPolicy>>();
        foreach (var n in names)
        {
            if (!byName.TryGetValue(n, out var f))
            {
                throw new ArgumentException($"Unknown policy '{n}'. Known: {string.Join(", ", byName.Keys)}.");
            }

            chosen.Add(f);
        }

        return chosen;
    }

    /// <summary>Per-metric medians over days (the paper's way); migrations rounded.</summary>
    public static ConsolidationResult Median(IReadOnlyList<ConsolidationResult> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        static double M(IEnumerable<double> xs)
        {
            var s = xs.Order().ToArray();
            var n = s.Length;
            return n == 0 ? 0 : n % 2 == 1 ? s[n / 2] : (s[(n / 2) - 1] + s[n / 2]) / 2;
        }

        return new MedianResult
        {
            Name = days[0].Name,
            Day = "median",
            Settings = days[0].Settings,
            EnergyKWh = M(days.Select(d => d.EnergyKWh)),
            Slatah = M(days.Select(d => d.Slatah)),
            SlatahCloudSim = M(days.Select(d => d.SlatahCloudSim)),
            Pdm = M(days.Select(d => d.Pdm)),
            MedianSlav = M(days.Select(d => d.Slav)),
            MedianEsv = M(days.Select(d => d.Esv)),
            MedianSlavCloudSim = M(days.Select(d => d.SlavCloudSim)),
            MedianEsvCloudSim = M(days.Select(d => d.EsvCloudSim)),
            Migrations = (int)Math.Round(M(days.Select(d => (double)d.Migrations))),
            HostHoursAboveHigh = M(days.Select(d => d.HostHoursAboveHigh)),
            MeanOverloadSeconds = M(days.Select(d => d.MeanOverloadSeconds)),
            P99OverloadSeconds = M(days.Select(d => d.P99OverloadSeconds)),
            MigrationsUndoneWithinHour = (int)Math.Round(M(days.Select(d => (double)d.MigrationsUndoneWithinHour))),
            MeanActiveHosts = M(days.Select(d => d.MeanActiveHosts)),
            ElapsedSeconds = days.Sum(d => d.ElapsedSeconds),
        };
    }

    public static string Ratio(double x, double oracle) =>
        oracle > 0 ? (x / oracle).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
}

/// <summary>Medians keep SLAV and ESV as the median over days of each day's value (as the paper reports them).</summary>
public sealed record MedianResult : ConsolidationResult
{
    public double MedianSlav { get; init; }

    public double MedianEsv { get; init; }

    public double MedianSlavCloudSim { get; init; }

    public double MedianEsvCloudSim { get; init; }

    public override double Slav => MedianSlav;

    public override double Esv => MedianEsv;

    public override double SlavCloudSim => MedianSlavCloudSim;

    public override double EsvCloudSim => MedianEsvCloudSim;
}
