using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

internal sealed class ThroughputCommand : Command<ThroughputCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--samples <N>")]
        [Description("Telemetry samples for the aggregation figure (default 1,000,000).")]
        public int? Samples { get; init; }

        [CommandOption("--hosts <N>")]
        [Description("Hosts for the controller figure (default 10,000).")]
        public int? Hosts { get; init; }

        [CommandOption("--day <DIR>")]
        [Description("PlanetLab day folder for simulated host-days (default: ../shared/data/planetlab/20110303; skipped if missing).")]
        public string? Day { get; init; }

        [CommandOption("--json")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Samples is < 1000 || Hosts is < 1 ? ValidationResult.Error("--samples must be at least 1000 and --hosts at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchPaths.WidenRedirectedOutput();
        var options = new ThroughputOptions
        {
            Samples = settings.Samples ?? 1_000_000,
            Hosts = settings.Hosts ?? 10_000,
            PlanetLabDay = settings.Day is { } d ? Path.GetFullPath(d) : BenchPaths.SharedData("planetlab", "20110303"),
        };
        var started = System.Diagnostics.Stopwatch.StartNew();
        var figures = ThroughputBenchmark.Run(options, line => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{started.Elapsed.TotalSeconds:0.0} s] {line}")));
        var inv = CultureInfo.InvariantCulture;
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(figures.Select(f => new { name = f.Name, value = f.Value, unit = f.Unit, baseline = f.Baseline, baselineValue = f.BaselineValue, ratio = f.Ratio }), new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var table = new Table().Title("Throughput (single thread; ratio = figure / baseline, same run)").Border(TableBorder.Simple);
            foreach (var c in new[] { "figure", "value", "unit", "baseline", "baseline value", "ratio" })
            {
                table.AddColumn(c);
            }

            foreach (var f in figures)
            {
                table.AddRow(Markup.Escape(f.Name), f.Value.ToString("#,0.###", inv), f.Unit, Markup.Escape(f.Baseline), f.BaselineValue.ToString("#,0.###", inv), f.Ratio.ToString("0.00", inv));
            }

            AnsiConsole.Write(table);
        }

        if (!Directory.Exists(options.PlanetLabDay))
        {
            Console.Error.WriteLine($"note: {options.PlanetLabDay} not found: simulated host-days skipped.");
        }

        Console.Error.WriteLine(string.Create(inv, $"done: throughput benchmark in {started.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}
