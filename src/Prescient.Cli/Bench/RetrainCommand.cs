using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

internal sealed class RetrainCommand : Command<RetrainCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--hosts <N>")]
        [Description("Synthetic hosts (default 10000).")]
        public int? Hosts { get; init; }

        [CommandOption("--days <N>")]
        [Description("Days of 20-minute history per host (default 28).")]
        public int? Days { get; init; }

        [CommandOption("--parallel <N>")]
        [Description("Cores used (default: processor count).")]
        public int? Parallel { get; init; }

        [CommandOption("--json")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Hosts is < 1 || Days is < 2 || Parallel is < 1
                ? ValidationResult.Error("--hosts and --parallel must be at least 1, --days at least 2.")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchPaths.WidenRedirectedOutput();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var figures = RetrainBenchmark.Run(
            new RetrainBenchmarkOptions { Hosts = settings.Hosts ?? 10_000, Days = settings.Days ?? 28, Parallelism = settings.Parallel ?? Environment.ProcessorCount },
            line => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{started.Elapsed.TotalSeconds:0.0} s] {line}")));
        var inv = CultureInfo.InvariantCulture;
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(
                figures.Select(f => new { name = f.Name, value = f.Value, unit = f.Unit, baseline = f.Baseline, baselineValue = f.BaselineValue, ratio = f.Ratio }),
                new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var table = new Table().Title("Retrain compute (in memory)").Border(TableBorder.Simple);
            foreach (var c in new[] { "figure", "value", "baseline (same run)", "baseline value", "ratio" })
            {
                table.AddColumn(new TableColumn(c));
            }

            foreach (var f in figures)
            {
                table.AddRow(
                    Markup.Escape(f.Name), string.Create(inv, $"{f.Value:0.##} {f.Unit}"), Markup.Escape(f.Baseline ?? "-"),
                    f.BaselineValue is { } b ? string.Create(inv, $"{b:0.##} {f.Unit}") : "-", f.Ratio is { } r ? r.ToString("0.000", inv) : "-");
            }

            AnsiConsole.Write(table);
        }

        Console.Error.WriteLine(string.Create(inv, $"done: retrain benchmark in {started.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}
