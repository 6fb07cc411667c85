using System.Globalization;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Benchmarks;

/// <summary>What to run: trace family and its location, days, policies, fleet size, parallelism.</summary>
public sealed record ConsolidationBenchmarkOptions
{
    /// <summary>
    /// Where the family's traces are: for PlanetLab the folder holding YYYYMMDD day folders; for the other families
    /// the folder or file <see cref="TraceFamilies.Locate"/> returns (Bitbrains month folders, Alibaba's
    /// machine_usage.csv, Azure V1's microsoft_avg_100_part1.csv).
    /// </summary>
    public required string TracesDirectory { get; init; }

    /// <summary>The trace family (<see cref="TraceFamilies"/>); PlanetLab by default.</summary>
    public string Family { get; init; } = TraceFamilies.PlanetLab;

    /// <summary>
    /// Hosts per fleet-day; null = the family's rule: PlanetLab <see cref="ConsolidationSetup.Hosts"/> (800), the
    /// other families <see cref="ConsolidationSetup.HostsFor"/> the day's VM count.
    /// </summary>
    public int? Hosts { get; init; }

    /// <summary>Day names (PlanetLab: folder names, YYYYMMDD; other families: family/yyyy-MM-dd or yyyy-MM-dd); empty = every day present.</summary>
    public IReadOnlyList<string> Days { get; init; } = [];

    /// <summary>Policy names to run (case-insensitive); empty = all.</summary>
    public IReadOnlyList<string> Policies { get; init; } = [];

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public ConsolidationSetup Setup { get; init; } = new();
}

/// <summary>One fleet-day to run: its name and its matrix, loaded on first use.</summary>
public sealed record FleetDaySource(string Name, Lazy<PlanetLabDay> Day);

/// <summary>The fleet a day ran on, and the day's energy floor (<see cref="EnergyFloor"/>; 0 when no policy ran on it).</summary>
public sealed record FleetSize(string Day, int Hosts, int Vms)
{
    public double EnergyFloorKWh { get; init; }
}

/// <summary>The results of a run: every (policy, day) and the medians per policy.</summary>
public sealed record ConsolidationReport(IReadOnlyList<ConsolidationResult> Results, IReadOnlyList<ConsolidationResult> Medians)
{
    /// <summary>The trace family the days came from.</summary>
    public string Family { get; init; } = TraceFamilies.PlanetLab;

    /// <summary>Hosts and VMs of each day, in day order.</summary>
    public IReadOnlyList<FleetSize> Fleets { get; init; } = [];

    /// <summary>Whether memory was enforced (<see cref="ConsolidationSetup.EnforceMemory"/>): the team goal is judged on such runs.</summary>
    public bool MemoryEnforced { get; init; }

    /// <summary>What the family's traces could not give (files, lines, VMs, days left out) and why.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The team goal's verdict on this run's medians.</summary>
    public GoalVerdict Goal => TeamGoal.Evaluate(Family, Medians, MemoryEnforced);

    /// <summary>The best baseline on each metric (medians).</summary>
    public IReadOnlyDictionary<string, BestBaseline> BestBaselines => BaselineComparison.Best(Medians);

    /// <summary>The oracle's median (null when the oracle was not run).</summary>
    public ConsolidationResult? Oracle => Medians.FirstOrDefault(m => m.Name == "oracle");
}

/// <summary>Runs the consolidation benchmark: days x policies in parallel.</summary>
public static class ConsolidationBenchmark
{
    /// <summary>All policies the benchmark knows, by name (baselines, the oracle, then extra ones given).</summary>
    public static IReadOnlyList<Func<IConsolidationPolicy>> AllPolicies(IEnumerable<Func<IConsolidationPolicy>>? extra = null) =>
        [.. BaselinePolicy.Standard, PrescientPolicy.Oracle, .. PrescientPolicy.Standard, .. extra ?? []];

    /// <summary>All policies, the three Prescient policies with the named extensions switched on (<see cref="PrescientPolicyOptions.WithExtensions"/>).</summary>
    /// <exception cref="ArgumentException">An extension name is unknown.</exception>
    public static IReadOnlyList<Func<IConsolidationPolicy>> AllPolicies(IReadOnlyList<string> prescientExtensions)
    {
        ArgumentNullException.ThrowIfNull(prescientExtensions);
        _ = new PrescientPolicyOptions { Name = "check" }.WithExtensions(prescientExtensions);
        return [.. BaselinePolicy.Standard, PrescientPolicy.OracleWith(o => o.WithExtensions(prescientExtensions)), .. PrescientPolicy.StandardWith(o => o.WithExtensions(prescientExtensions))];
    }

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

    /// <summary>
    /// The days to run: PlanetLab day folders or the family's fleet-days (<see cref="TraceFamilyDays"/>), read now and
    /// filtered by <see cref="ConsolidationBenchmarkOptions.Days"/>; an unknown day is an
    /// <see cref="ArgumentException"/> listing the days present. With <paramref name="notes"/>, what the traces cannot
    /// give (a malformed file or line, a VM or day not covered, a PlanetLab day with no readable file) is left out and
    /// said there, and the rest runs; without, a malformed file is an error. No usable day at all is a
    /// <see cref="TraceFormatException"/> that says why.
    /// </summary>
    public static IReadOnlyList<FleetDaySource> ResolveFleetDays(ConsolidationBenchmarkOptions options, ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var family = TraceFamilies.Normalize(options.Family);
        if (family == TraceFamilies.PlanetLab)
        {
            var names = ResolveDays(options.TracesDirectory, options.Days);
            var loaded = new (PlanetLabDay? Day, List<string> Notes)[names.Count];
            try
            {
                Parallel.For(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism) }, i =>
                {
                    var dayNotes = new List<string>();
                    try
                    {
                        loaded[i] = (PlanetLabDay.Load(Path.Combine(options.TracesDirectory, names[i]), notes: notes is null ? null : dayNotes), dayNotes);
                    }
                    catch (TraceFormatException e) when (notes is not null)
                    {
                        dayNotes.Add($"planetlab/{names[i]} left out: {e.Problem}");
                        loaded[i] = (null, dayNotes);
                    }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // Without notes a malformed file is an error, thrown as itself rather than wrapped.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }

            foreach (var (_, dayNotes) in loaded)
            {
                foreach (var n in dayNotes)
                {
                    notes?.Add(n);
                }
            }

            var usable = loaded.Where(l => l.Day is not null).Select(l => l.Day!).ToList();
            if (usable.Count == 0)
            {
                throw new TraceFormatException(options.TracesDirectory, 0, $"no usable PlanetLab day: {string.Join("; ", loaded.SelectMany(l => l.Notes))}");
            }

            return [.. usable.Select(d => new FleetDaySource(d.Name, new Lazy<PlanetLabDay>(d)))];
        }

        var familyNotes = new List<string>();
        var all = TraceFamilyDays.Load(family, options.TracesDirectory, notes: notes is null ? null : familyNotes);
        foreach (var n in familyNotes)
        {
            notes!.Add(n);
        }

        if (all.Count == 0)
        {
            throw new TraceFormatException(options.TracesDirectory, 0, $"trace family '{family}' has no day that a VM covers ({TraceFamilyDays.RequiredBins()} of {TraceFamilyDays.StepsPerDay} five-minute bins){(familyNotes.Count > 0 ? ": " + string.Join("; ", familyNotes) : ".")}");
        }

        var byName = all.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        var chosen = new List<PlanetLabDay>();
        foreach (var requested in options.Days)
        {
            var key = requested.Contains('/', StringComparison.Ordinal) ? requested : family + "/" + requested;
            if (!byName.TryGetValue(key, out var day))
            {
                throw new ArgumentException($"Day '{requested}' is not a usable day of '{family}' (present: {string.Join(", ", all.Select(d => d.Name))}).");
            }

            if (!chosen.Contains(day))
            {
                chosen.Add(day);
            }
        }

        return [.. (chosen.Count > 0 ? chosen : all).Select(d => new FleetDaySource(d.Name, new Lazy<PlanetLabDay>(d)))];
    }

    /// <summary>The hosts a day runs on: <see cref="ConsolidationBenchmarkOptions.Hosts"/>, or the family's rule.</summary>
    public static int HostsFor(ConsolidationBenchmarkOptions options, PlanetLabDay day)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(day);
        return options.Hosts ?? (TraceFamilies.Normalize(options.Family) == TraceFamilies.PlanetLab ? options.Setup.Hosts : ConsolidationSetup.HostsFor(day.VmCount));
    }

    public static ConsolidationReport Run(
        ConsolidationBenchmarkOptions options,
        IReadOnlyList<Func<IConsolidationPolicy>> policies,
        Action<ConsolidationResult>? completed = null,
        CancellationToken cancellationToken = default) =>
        Run(options, ResolveFleetDays(options), policies, completed, cancellationToken);

    /// <summary>Runs every policy on every one of <paramref name="days"/>.</summary>
    public static ConsolidationReport Run(
        ConsolidationBenchmarkOptions options,
        IReadOnlyList<FleetDaySource> days,
        IReadOnlyList<Func<IConsolidationPolicy>> policies,
        Action<ConsolidationResult>? completed = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(days);
        ArgumentNullException.ThrowIfNull(policies);
        var selected = SelectPolicies(policies, options.Policies);
        var work = (from d in days from p in selected select (Day: d, Policy: p)).ToList();
        var results = new ConsolidationResult[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, i =>
        {
            var (source, factory) = work[i];
            var day = source.Day.Value;
            var simulator = new ConsolidationSimulator(options.Setup with { Hosts = HostsFor(options, day) });
            var result = simulator.Run(day, factory());
            results[i] = result;
            completed?.Invoke(result);
        });

        var ordered = results.ToList();
        var medians = ordered.GroupBy(r => r.Name).Select(g => Median(g.ToList())).ToList();
        var fleets = days.Select(d => new FleetSize(d.Name, HostsFor(options, d.Day.Value), d.Day.Value.VmCount)
        {
            EnergyFloorKWh = ordered.FirstOrDefault(r => r.Day == d.Name)?.EnergyFloorKWh ?? 0,
        }).ToList();
        return new ConsolidationReport(ordered, medians) { Family = TraceFamilies.Normalize(options.Family), Fleets = fleets, MemoryEnforced = options.Setup.EnforceMemory };
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

    /// <summary>
    /// Per-metric medians over days (the paper's way); migrations and refusals rounded; energy / floor is the median of
    /// the days' ratios; the first refusal is the first day's that has one; switches not honoured on any day.
    /// </summary>
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
            HostHoursMemoryFull = M(days.Select(d => d.HostHoursMemoryFull)),
            MeanOverloadSeconds = M(days.Select(d => d.MeanOverloadSeconds)),
            P99OverloadSeconds = M(days.Select(d => d.P99OverloadSeconds)),
            MigrationsUndoneWithinHour = (int)Math.Round(M(days.Select(d => (double)d.MigrationsUndoneWithinHour))),
            MeanActiveHosts = M(days.Select(d => d.MeanActiveHosts)),
            EnergyFloorKWh = M(days.Select(d => d.EnergyFloorKWh)),
            EnergyVsFloor = M(days.Select(d => d.EnergyVsFloor)),
            FloorMemoryBoundShare = M(days.Select(d => d.FloorMemoryBoundShare)),
            RefusedMoves = (int)Math.Round(M(days.Select(d => (double)d.RefusedMoves))),
            RefusedPlacements = (int)Math.Round(M(days.Select(d => (double)d.RefusedPlacements))),
            VmsPlacedBySimulator = (int)Math.Round(M(days.Select(d => (double)d.VmsPlacedBySimulator))),
            FirstRefusal = days.Select(d => d.FirstRefusal is null ? null : $"{d.Day}: {d.FirstRefusal}").FirstOrDefault(f => f is not null),
            SwitchesNotHonoured = days.Aggregate(PolicySwitches.None, (a, d) => a | d.SwitchesNotHonoured),
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
