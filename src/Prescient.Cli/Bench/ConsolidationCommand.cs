using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

internal sealed class ConsolidationCommand : Command<ConsolidationCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--traces <DIR>")]
        [Description("PlanetLab folder holding YYYYMMDD day folders (default: ../shared/data/planetlab from the repository root).")]
        public string? Traces { get; init; }

        [CommandOption("--days <LIST>")]
        [Description("Comma-separated day folders, e.g. 20110303,20110306 (default: all present).")]
        public string? Days { get; init; }

        [CommandOption("--policies <LIST>")]
        [Description("Comma-separated policy names (default: all), e.g. LR-MMT-1.2,THR-MMT-0.8,oracle.")]
        public string? Policies { get; init; }

        [CommandOption("--parallel <N>")]
        [Description("Simulations run at once (default: processor count).")]
        public int? Parallel { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        [CommandOption("--charts <DIR>")]
        [Description("Also write PNG charts to DIR: the policies' medians (energy against ESV) and energy per day.")]
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
            Parallel is < 1 ? ValidationResult.Error("--parallel must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchPaths.WidenRedirectedOutput();
        var traces = settings.Traces is { } t ? Path.GetFullPath(t) : BenchPaths.SharedData("planetlab");
        var options = new ConsolidationBenchmarkOptions
        {
            TracesDirectory = traces,
            Days = BenchPaths.SplitList(settings.Days),
            Policies = BenchPaths.SplitList(settings.Policies),
            Parallelism = settings.Parallel ?? Environment.ProcessorCount,
            Setup = new ConsolidationSetup
            {
                RemoveIdleVms = settings.CloudSim || settings.CloudSimVmRemoval,
                EvacuateReceivers = settings.CloudSim || settings.CloudSimEvacuateReceivers,
            },
        };

        IReadOnlyList<string> days;
        IReadOnlyList<Func<IConsolidationPolicy>> policies;
        try
        {
            days = ConsolidationBenchmark.ResolveDays(traces, options.Days);
            policies = ConsolidationBenchmark.SelectPolicies(PolicyCatalog.All, options.Policies);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or ArgumentException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }

        var total = days.Count * policies.Count;
        var started = System.Diagnostics.Stopwatch.StartNew();
        ConsolidationReport report;
        var interactive = !settings.Json && AnsiConsole.Profile.Capabilities.Interactive;
        if (interactive)
        {
            report = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"{total} simulations", maxValue: total);
                report = ConsolidationBenchmark.Run(options, policies, r => task.Increment(1), cancellationToken);
            });
        }
        else
        {
            var done = 0;
            var gate = new object();
            report = ConsolidationBenchmark.Run(options, policies, r =>
            {
                lock (gate)
                {
                    done++;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{done}/{total}] {r.Name} {r.Day}: {r.EnergyKWh:0.00} kWh, {r.Migrations} migrations ({r.ElapsedSeconds:0.0} s)"));
                }
            }, cancellationToken);
        }

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(ToJson(report, options.Setup.Mode), JsonOptions));
        }
        else
        {
            foreach (var day in days)
            {
                Print($"Day {day}", report.Results.Where(r => r.Day == day), report.Oracle);
            }

            Print($"Median over {days.Count} day(s)", report.Medians, report.Oracle);
            AnsiConsole.WriteLine();
            foreach (var m in report.Medians)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]{m.Name}: {m.Settings}[/]");
            }

            AnsiConsole.MarkupLineInterpolated($"[grey]mode: {options.Setup.Mode}[/]");
        }

        if (settings.Charts is { } chartFolder)
        {
            foreach (var chart in WriteCharts(chartFolder, report, options.Setup))
            {
                Console.Error.WriteLine($"chart: {chart}");
            }
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: {total} simulations ({policies.Count} policies x {days.Count} days) in {started.Elapsed.TotalSeconds:0.0} s with --parallel {options.Parallelism}"));
        return 0;
    }

    private static IEnumerable<string> WriteCharts(string folder, ConsolidationReport report, ConsolidationSetup setup)
    {
        Directory.CreateDirectory(folder);
        var days = report.Results.Select(r => r.Day).Distinct().Count();
        var suffix = setup.RemoveIdleVms || setup.EvacuateReceivers ? " (CloudSim mode)" : "";
        var medians = Path.GetFullPath(Path.Combine(folder, "consolidation-medians.png"));
        ConsolidationCharts.Medians(medians, report.Medians, $"Consolidation, median over {days} day(s){suffix}: lower left is better");
        yield return medians;
        string[] headline = ["THR-MMT-0.8", "LR-MMT-1.2", "oracle", "prescient-reactive", "prescient-proactive-host", "prescient-proactive-vm"];
        if (report.Results.Any(r => headline.Contains(r.Name)))
        {
            var perDay = Path.GetFullPath(Path.Combine(folder, "consolidation-energy-per-day.png"));
            ConsolidationCharts.EnergyPerDay(perDay, report.Results, headline, $"Energy per day{suffix}");
            yield return perDay;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static object ToJson(ConsolidationReport report, string mode)
    {
        var oracle = report.Oracle;
        object Row(ConsolidationResult r) => new
        {
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
        return new
        {
            mode,
            results = report.Results.Select(Row).ToList(),
            medians = report.Medians.Select(Row).ToList(),
        };
    }

    private static void Print(string title, IEnumerable<ConsolidationResult> rows, ConsolidationResult? oracle)
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

        AnsiConsole.Write(table);
    }
}
