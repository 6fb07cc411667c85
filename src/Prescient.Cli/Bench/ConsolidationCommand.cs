using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

internal sealed class ConsolidationCommand(IAnsiConsole console) : Command<ConsolidationCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--family <NAME>")]
        [Description("Trace family: planetlab (default), bitbrains, alibaba, azure-v1, or all (several may be given, comma-separated). The other families run as fleet-days: every VM of a UTC day, 288 five-minute means.")]
        public string? Family { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("Folder holding the trace families (planetlab, bitbrains-rnd, alibaba2018, azure-v1); default: ../shared/data from the repository root.")]
        public string? Data { get; init; }

        [CommandOption("--traces <DIR>")]
        [Description("PlanetLab folder holding YYYYMMDD day folders (default: planetlab under --data).")]
        public string? Traces { get; init; }

        [CommandOption("--days <LIST>")]
        [Description("Comma-separated day names, e.g. 20110303,20110306 or azure-v1/2017-01-03 (default: all present).")]
        public string? Days { get; init; }

        [CommandOption("--hosts <N>")]
        [Description("Hosts per day (half G4, half G5; default: 800 for PlanetLab, the CCPE ratio of 800 hosts per 1,052 VMs rounded up to an even number for the other families).")]
        public int? Hosts { get; init; }

        [CommandOption("--policies <LIST>")]
        [Description("Comma-separated policy names (default: all), e.g. LR-MMT-1.2,THR-MMT-0.8,oracle.")]
        public string? Policies { get; init; }

        [CommandOption("--prescient-options <LIST>")]
        [Description("Comma-separated extensions switched on in the three Prescient policies (default: none): fleet-fit-reduce-power (also empty the least loaded running host when the others can carry its VMs under the high threshold), wake-efficient-first (wake G5 hosts before G4 hosts). Shown in each policy's settings.")]
        public string? PrescientOptions { get; init; }

        [CommandOption("--parallel <N>")]
        [Description("Simulations run at once (default: processor count).")]
        public int? Parallel { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        [CommandOption("--charts <DIR>")]
        [Description("Also write PNG charts to DIR, per family: the policies' medians (energy against ESV) and, up to 10 days, energy per day.")]
        public string? Charts { get; init; }

        [CommandOption("--cloudsim-vm-removal")]
        [Description("Reproduce CloudSim 3.0.3's completed-VM rule: a VM whose trace reads 0 at a sample and the next leaves the fleet for the rest of the day (for comparison with the CloudSim reference figures only).")]
        public bool CloudSimVmRemoval { get; init; }

        [CommandOption("--cloudsim-evacuate-receivers")]
        [Description("Reproduce CloudSim 3.0.3's underload exclusion list, built from an empty map: hosts that just received VMs from overloaded hosts may be emptied in the same round (baselines only; for comparison with the CloudSim reference figures only).")]
        public bool CloudSimEvacuateReceivers { get; init; }

        [CommandOption("--cloudsim")]
        [Description("Both CloudSim 3.0.3 behaviours above: --cloudsim-vm-removal and --cloudsim-evacuate-receivers.")]
        public bool CloudSim { get; init; }

        public override ValidationResult Validate() =>
            Parallel is < 1 ? ValidationResult.Error("--parallel must be at least 1.")
            : Hosts is < 1 ? ValidationResult.Error("--hosts must be at least 1.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchPaths.WidenRedirectedOutput();
        var parallelism = settings.Parallel ?? Environment.ProcessorCount;
        var setup = new ConsolidationSetup
        {
            RemoveIdleVms = settings.CloudSim || settings.CloudSimVmRemoval,
            EvacuateReceivers = settings.CloudSim || settings.CloudSimEvacuateReceivers,
        };
        var requestedDays = BenchPaths.SplitList(settings.Days);
        var runs = new List<(ConsolidationBenchmarkOptions Options, IReadOnlyList<FleetDaySource> Days)>();
        IReadOnlyList<Func<IConsolidationPolicy>> policies;
        try
        {
            var families = TraceFamilies.Parse(settings.Family ?? TraceFamilies.PlanetLab);
            var data = settings.Data is { } d ? Path.GetFullPath(d) : BenchPaths.SharedData();
            var daysByFamily = SplitDays(families, requestedDays);
            foreach (var family in families)
            {
                if (requestedDays.Count > 0 && daysByFamily[family].Count == 0)
                {
                    Console.Error.WriteLine($"{family}: skipped, --days names none of its days (name them as {(family == TraceFamilies.PlanetLab ? "YYYYMMDD" : family + "/yyyy-MM-dd")})");
                    continue;
                }

                var traces = family == TraceFamilies.PlanetLab
                    ? settings.Traces is { } t ? Path.GetFullPath(t) : families.Count > 1 || settings.Data is not null ? TraceFamilies.Locate(data, family) : BenchPaths.SharedData("planetlab")
                    : TraceFamilies.Locate(data, family);
                var options = new ConsolidationBenchmarkOptions
                {
                    TracesDirectory = traces,
                    Family = family,
                    Hosts = settings.Hosts,
                    Days = daysByFamily[family],
                    Policies = BenchPaths.SplitList(settings.Policies),
                    Parallelism = parallelism,
                    Setup = setup,
                };
                runs.Add((options, ConsolidationBenchmark.ResolveFleetDays(options)));
            }

            var extensions = BenchPaths.SplitList(settings.PrescientOptions);
            policies = ConsolidationBenchmark.SelectPolicies(extensions.Count == 0 ? PolicyCatalog.All : ConsolidationBenchmark.AllPolicies(extensions), BenchPaths.SplitList(settings.Policies));
        }
        catch (Exception e) when (e is DirectoryNotFoundException or ArgumentException or Prescient.Simulation.Traces.TraceFormatException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }

        var dayCount = runs.Sum(r => r.Days.Count);
        var total = dayCount * policies.Count;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reports = new List<ConsolidationReport>();
        var interactive = !settings.Json && console.Profile.Capabilities.Interactive;
        try
        {
            if (interactive)
            {
                console.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask($"{total} simulations", maxValue: total);
                    foreach (var (options, days) in runs)
                    {
                        reports.Add(ConsolidationBenchmark.Run(options, days, policies, r => task.Increment(1), cancellationToken));
                    }
                });
            }
            else
            {
                var done = 0;
                var gate = new object();
                foreach (var (options, days) in runs)
                {
                    reports.Add(ConsolidationBenchmark.Run(options, days, policies, r =>
                    {
                        lock (gate)
                        {
                            done++;
                            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{done}/{total}] {r.Name} {r.Day}: {r.EnergyKWh:0.00} kWh, {r.Migrations} migrations ({r.ElapsedSeconds:0.0} s)"));
                        }
                    }, cancellationToken));
                }
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is InvalidOperationException))
        {
            // A fleet too small for a day's VMs (--hosts) fails at the initial placement.
            console.MarkupLineInterpolated($"[red]error:[/] {e.InnerExceptions[0].Message}");
            return 2;
        }

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(ToJson(reports, setup.Mode), JsonOptions));
        }
        else
        {
            foreach (var report in reports)
            {
                var days = report.Fleets.Select(f => f.Day).ToList();
                foreach (var day in days)
                {
                    Print($"Day {day}", report.Results.Where(r => r.Day == day), report.Oracle);
                }

                var title = $"Median over {days.Count} day(s)";
                if (report.Family != TraceFamilies.PlanetLab)
                {
                    title += $" ({report.Family}: {FleetDescription(report)})";
                }

                Print(title, report.Medians, report.Oracle);
            }

            console.WriteLine();
            foreach (var m in reports.Count > 0 ? reports[0].Medians : [])
            {
                console.MarkupLineInterpolated($"[grey]{m.Name}: {m.Settings}[/]");
            }

            console.MarkupLineInterpolated($"[grey]mode: {setup.Mode}[/]");

            foreach (var report in reports)
            {
                console.WriteLine(report.Goal.Describe());
            }
        }

        if (settings.Charts is { } chartFolder)
        {
            foreach (var report in reports)
            {
                foreach (var chart in WriteCharts(chartFolder, report, setup))
                {
                    Console.Error.WriteLine($"chart: {chart}");
                }
            }
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: {total} simulations ({policies.Count} policies x {dayCount} days) in {started.Elapsed.TotalSeconds:0.0} s with --parallel {parallelism}"));
        return 0;
    }

    /// <summary>
    /// Which requested days belong to which family: <c>family/name</c> goes to that family; a bare name goes to the only
    /// family selected, or to PlanetLab when it is a YYYYMMDD folder name.
    /// </summary>
    private static Dictionary<string, List<string>> SplitDays(IReadOnlyList<string> families, IReadOnlyList<string> days)
    {
        var result = families.ToDictionary(f => f, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var day in days)
        {
            var slash = day.IndexOf('/', StringComparison.Ordinal);
            string family;
            if (slash > 0)
            {
                family = TraceFamilies.Normalize(day[..slash]);
            }
            else if (families.Count == 1)
            {
                family = families[0];
            }
            else if (day.Length == 8 && day.All(char.IsAsciiDigit))
            {
                family = TraceFamilies.PlanetLab;
            }
            else
            {
                throw new ArgumentException($"Day '{day}': with several families, name days as family/yyyy-MM-dd (or YYYYMMDD for PlanetLab).");
            }

            if (!result.TryGetValue(family, out var list))
            {
                throw new ArgumentException($"Day '{day}' belongs to family '{family}', which --family does not select ({string.Join(", ", families)}).");
            }

            list.Add(slash > 0 && family == TraceFamilies.PlanetLab ? day[(slash + 1)..] : day);
        }

        return result;
    }

    private static string FleetDescription(ConsolidationReport report)
    {
        if (report.Fleets.Count == 0)
        {
            return "no days";
        }

        static string Range(IEnumerable<int> xs)
        {
            var (min, max) = (xs.Min(), xs.Max());
            return min == max ? min.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{min}-{max}");
        }

        return $"{Range(report.Fleets.Select(f => f.Hosts))} hosts, {Range(report.Fleets.Select(f => f.Vms))} VMs";
    }

    private static List<string> WriteCharts(string folder, ConsolidationReport report, ConsolidationSetup setup)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var days = report.Fleets.Count;
        var cloudSim = setup.RemoveIdleVms || setup.EvacuateReceivers;
        var suffix = cloudSim ? ", CloudSim mode" : "";
        var name = "consolidation-" + report.Family + (cloudSim ? "-cloudsim" : "");
        var medians = Path.GetFullPath(Path.Combine(folder, $"{name}-medians.png"));
        ConsolidationCharts.Medians(medians, report.Medians, $"{report.Family}, median over {days} day(s){suffix}: lower left is better");
        written.Add(medians);
        string[] headline = ["THR-MMT-0.8", "LR-MMT-1.2", "oracle", "prescient-reactive", "prescient-proactive-host", "prescient-proactive-vm"];
        if (days <= 10 && report.Results.Any(r => headline.Contains(r.Name)))
        {
            var perDay = Path.GetFullPath(Path.Combine(folder, $"{name}-energy-per-day.png"));
            ConsolidationCharts.EnergyPerDay(perDay, report.Results, headline, $"{report.Family}: energy per day{suffix}");
            written.Add(perDay);
        }

        return written;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static object ToJson(IReadOnlyList<ConsolidationReport> reports, string mode) => new
    {
        mode,
        results = reports.SelectMany(r => Rows(r, r.Results)).ToList(),
        medians = reports.SelectMany(r => Rows(r, r.Medians)).ToList(),
        families = reports.Select(r =>
        {
            var goal = r.Goal;
            return new
            {
                family = r.Family,
                days = r.Fleets.Count,
                fleets = r.Fleets.Select(f => new { day = f.Day, hosts = f.Hosts, vms = f.Vms }).ToList(),
                medians = Rows(r, r.Medians),
                goal = new
                {
                    baseline = TeamGoal.Baseline,
                    policy = goal.Policy,
                    energyRatio = goal.EnergyRatio,
                    esvRatio = goal.EsvRatio,
                    migrationsRatio = goal.MigrationsRatio,
                    met = goal.NotEvaluated is null ? goal.Met : (bool?)null,
                    notEvaluated = goal.NotEvaluated,
                    text = goal.Describe(),
                },
            };
        }).ToList(),
    };

    private static List<object> Rows(ConsolidationReport report, IEnumerable<ConsolidationResult> rows)
    {
        var oracle = report.Oracle;
        object Row(ConsolidationResult r) => new
        {
            family = report.Family,
            name = r.Name,
            day = r.Day,
            energyKWh = r.EnergyKWh,
            slatah = r.Slatah,
            pdm = r.Pdm,
            slav = r.Slav,
            esv = r.Esv,
            migrations = r.Migrations,
            slatahCloudSimAccounting = r.SlatahCloudSim,
            esvCloudSimAccounting = r.EsvCloudSim,
            hostHoursAboveHigh = r.HostHoursAboveHigh,
            meanOverloadSeconds = r.MeanOverloadSeconds,
            p99OverloadSeconds = r.P99OverloadSeconds,
            migrationsUndoneWithinHour = r.MigrationsUndoneWithinHour,
            meanActiveHosts = r.MeanActiveHosts,
            energyToOracle = oracle is null ? (double?)null : r.EnergyKWh / oracle.EnergyKWh,
            esvToOracle = oracle is null || oracle.Esv <= 0 ? (double?)null : r.Esv / oracle.Esv,
            settings = r.Settings,
        };
        return [.. rows.Select(Row)];
    }

    private void Print(string title, IEnumerable<ConsolidationResult> rows, ConsolidationResult? oracle)
    {
        var table = new Table().Title(title).Border(TableBorder.Simple);
        foreach (var c in new[] { "policy", "energy kWh", "SLATAH", "PDM", "SLAV", "ESV", "migrations", "SLATAH cs", "ESV cs", "E/oracle", "ESV/oracle", "host-h >0.8", "overload mean/p99 s", "undone <1h" })
        {
            table.AddColumn(new TableColumn(c).RightAligned());
        }

        var inv = CultureInfo.InvariantCulture;
        foreach (var r in rows)
        {
            table.AddRow(
                Markup.Escape(r.Name),
                r.EnergyKWh.ToString("0.00", inv),
                r.Slatah.ToString("0.00%", inv),
                r.Pdm.ToString("0.000%", inv),
                r.Slav.ToString("0.000e+00", inv),
                r.Esv.ToString("0.000e+00", inv),
                r.Migrations.ToString(inv),
                r.SlatahCloudSim.ToString("0.00%", inv),
                r.EsvCloudSim.ToString("0.000e+00", inv),
                oracle is null ? "-" : ConsolidationBenchmark.Ratio(r.EnergyKWh, oracle.EnergyKWh),
                oracle is null ? "-" : ConsolidationBenchmark.Ratio(r.Esv, oracle.Esv),
                r.HostHoursAboveHigh.ToString("0.0", inv),
                string.Create(inv, $"{r.MeanOverloadSeconds:0}/{r.P99OverloadSeconds:0}"),
                r.MigrationsUndoneWithinHour.ToString(inv));
        }

        console.Write(table);
    }
}
