using System.ComponentModel;
using System.Globalization;
using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Traces;
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
        [Description("Reproduce CloudSim 3.0.3's underload exclusion list, built from an empty map: hosts that just received VMs may be emptied in the same round (a switch every policy is asked to honour; results say which policies do not implement it; for comparison with the CloudSim reference figures only).")]
        public bool CloudSimEvacuateReceivers { get; init; }

        [CommandOption("--memory <MODE>")]
        [Description("ccpe (default): CCPE hosts' 4,096 MB, memory limits only the initial placement, as CloudSim 3.0.3. enforced: 32,768 MB per host, and no placement or move of any policy may overcommit a host's memory (the simulator refuses and counts it); the team goal is judged in this mode.")]
        public string? Memory { get; init; }

        [CommandOption("--cloudsim")]
        [Description("Both CloudSim 3.0.3 behaviours above: --cloudsim-vm-removal and --cloudsim-evacuate-receivers.")]
        public bool CloudSim { get; init; }

        [CommandOption("--host-ram-mb <MB>")]
        [Description("With --memory enforced: RAM per host in MB instead of the profile's 32,768 (to explore how the choice of host shapes the results).")]
        public int? HostRamMb { get; init; }

        public bool MemoryEnforced => string.Equals(Memory?.Trim(), "enforced", StringComparison.OrdinalIgnoreCase);

        public override ValidationResult Validate() =>
            Parallel is < 1 ? ValidationResult.Error("--parallel must be at least 1.")
            : Hosts is < 1 ? ValidationResult.Error("--hosts must be at least 1.")
            : Memory is not null && !MemoryEnforced && !string.Equals(Memory.Trim(), "ccpe", StringComparison.OrdinalIgnoreCase)
                ? ValidationResult.Error($"--memory must be ccpe or enforced, not '{Memory}'.")
            : HostRamMb is not null && !MemoryEnforced ? ValidationResult.Error("--host-ram-mb needs --memory enforced (the CCPE mode keeps its 4,096 MB hosts).")
            : HostRamMb is < 1024 ? ValidationResult.Error("--host-ram-mb must be at least 1024.")
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
        if (settings.MemoryEnforced)
        {
            setup = setup.WithEnforcedMemory();
            if (settings.HostRamMb is { } ram)
            {
                setup = setup with { HostRamMb = ram };
            }
        }

        var requestedDays = BenchPaths.SplitList(settings.Days);
        var runs = new List<(ConsolidationBenchmarkOptions Options, IReadOnlyList<FleetDaySource> Days, List<string> Notes)>();
        var skippedFamilies = new List<string>();
        IReadOnlyList<Func<IConsolidationPolicy>> policies;
        try
        {
            var families = TraceFamilies.Parse(settings.Family ?? TraceFamilies.PlanetLab);
            var data = settings.Data is { } d ? Path.GetFullPath(d) : BenchPaths.SharedData();
            var daysByFamily = SplitDays(families, requestedDays);
            var extensions = BenchPaths.SplitList(settings.PrescientOptions);
            policies = ConsolidationBenchmark.SelectPolicies(extensions.Count == 0 ? PolicyCatalog.All : ConsolidationBenchmark.AllPolicies(extensions), BenchPaths.SplitList(settings.Policies));
            foreach (var family in families)
            {
                if (requestedDays.Count > 0 && daysByFamily[family].Count == 0)
                {
                    Console.Error.WriteLine($"{family}: skipped, --days names none of its days (name them as {(family == TraceFamilies.PlanetLab ? "YYYYMMDD" : family + "/yyyy-MM-dd")})");
                    continue;
                }

                try
                {
                    Console.Error.WriteLine($"{family}: reading traces");
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
                    var notes = new List<string>();
                    runs.Add((options, ConsolidationBenchmark.ResolveFleetDays(options, notes), notes));
                }
                catch (Exception e) when (families.Count > 1 && e is DirectoryNotFoundException or TraceFormatException)
                {
                    // Several families: one whose traces are missing or unusable is skipped, and said; the rest run.
                    skippedFamilies.Add($"{family}: skipped: {e.Message}");
                }
            }

            if (runs.Count == 0 && skippedFamilies.Count > 0)
            {
                throw new TraceFormatException(data, 0, "no trace family could be used: " + string.Join(" | ", skippedFamilies));
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or ArgumentException or TraceFormatException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }

        foreach (var line in skippedFamilies.Concat(runs.SelectMany(r => r.Notes)))
        {
            if (settings.Json)
            {
                Console.Error.WriteLine("note: " + line);
            }
            else
            {
                console.MarkupLineInterpolated($"[yellow]note:[/] {line}");
            }
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
                    foreach (var (options, days, notes) in runs)
                    {
                        reports.Add(ConsolidationBenchmark.Run(options, days, policies, r => task.Increment(1), cancellationToken) with { Notes = notes });
                    }
                });
            }
            else
            {
                var done = 0;
                var gate = new object();
                foreach (var (options, days, notes) in runs)
                {
                    reports.Add(ConsolidationBenchmark.Run(options, days, policies, r =>
                    {
                        lock (gate)
                        {
                            done++;
                            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{done}/{total}] {r.Name} {r.Day}: {r.EnergyKWh:0.00} kWh ({r.EnergyVsFloor:0.00}x floor), {r.Migrations} migrations{(r.RefusedMoves > 0 ? $", {r.RefusedMoves} refused" : "")} ({r.ElapsedSeconds:0.0} s, {started.Elapsed.TotalSeconds:0} s so far)"));
                        }
                    }, cancellationToken) with { Notes = notes });
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
            Console.WriteLine(ConsolidationOutput.Json(reports, setup, skippedFamilies));
        }
        else
        {
            new ConsolidationOutput(console).Tables(reports, setup);
        }

        if (settings.Charts is { } chartFolder)
        {
            foreach (var report in reports)
            {
                foreach (var chart in ConsolidationOutput.WriteCharts(chartFolder, report, setup))
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
}
