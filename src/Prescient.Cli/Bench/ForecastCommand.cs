using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Simulation.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

internal sealed class ForecastCommand : Command<ForecastCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Folder holding the trace families (default: ../shared/data from the repository root).")]
        public string? Data { get; init; }

        [CommandOption("--families <LIST>")]
        [Description("Comma-separated: planetlab-vm, planetlab-host, bitbrains, alibaba, azure-v1 (default: all present).")]
        public string? Families { get; init; }

        [CommandOption("--planetlab-per-day <N>")]
        [Description("PlanetLab VMs (and simulated hosts) sampled per day (default 40).")]
        public int? PlanetLabPerDay { get; init; }

        [CommandOption("--epochs <N>")]
        [Description("Bulk-training epochs of the networks (default 50).")]
        public int? Epochs { get; init; }

        [CommandOption("--parallel <N>")]
        [Description("Series processed at once (default: processor count).")]
        public int? Parallel { get; init; }

        [CommandOption("--json")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Parallel is < 1 || Epochs is < 1 || PlanetLabPerDay is < 1 ? ValidationResult.Error("--parallel, --epochs and --planetlab-per-day must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        BenchPaths.WidenRedirectedOutput();
        var options = new ForecastBenchmarkOptions
        {
            DataDirectory = settings.Data is { } d ? Path.GetFullPath(d) : BenchPaths.SharedData(),
            Families = BenchPaths.SplitList(settings.Families),
            PlanetLabPerDay = settings.PlanetLabPerDay ?? 40,
            Epochs = settings.Epochs ?? 50,
            Parallelism = settings.Parallel ?? Environment.ProcessorCount,
        };
        var started = System.Diagnostics.Stopwatch.StartNew();
        ForecastReport report;
        try
        {
            report = ForecastBenchmark.Run(options, line => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{started.Elapsed.TotalSeconds:0.0} s] {line}")), cancellationToken);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or ArgumentException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }

        var inv = CultureInfo.InvariantCulture;
        if (settings.Json)
        {
            var json = new
            {
                scores = report.Scores.Select(s => new { family = s.Family, model = s.Model, series = s.Series, points = s.Points, mae = s.Mae, rmse = s.Rmse, overloadPeriods = s.OverloadPeriods, overloadsAnticipated = s.OverloadsAnticipated, overloadRecall = s.OverloadRecall }),
                selections = report.Selections.Select(s => new { family = s.Family, model = s.Model, chosen = s.Chosen }),
            };
            Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            foreach (var family in report.Scores.Select(s => s.Family).Distinct())
            {
                var rows = report.Scores.Where(s => s.Family == family).ToList();
                var last = rows.First(r => r.Model == "last-value");
                var table = new Table().Title($"{family}: {rows[0].Series} series, {rows[0].Points} test periods (20 min)").Border(TableBorder.Simple);
                foreach (var c in new[] { "model", "MAE", "RMSE", "MAE / last", "overloads anticipated", "chosen" })
                {
                    table.AddColumn(new TableColumn(c).RightAligned());
                }

                foreach (var r in rows)
                {
                    var chosen = report.Selections.FirstOrDefault(s => s.Family == family && s.Model == r.Model).Chosen;
                    table.AddRow(
                        r.Model,
                        r.Mae.ToString("0.0000", inv),
                        r.Rmse.ToString("0.0000", inv),
                        (last.Mae > 0 ? r.Mae / last.Mae : 0).ToString("0.000", inv),
                        r.OverloadRecall is { } rec ? string.Create(inv, $"{rec:0.0%} of {r.OverloadPeriods}") : "no overloads",
                        r.Model == ForecastBenchmark.SelectionRule ? "-" : chosen.ToString(inv));
                }

                AnsiConsole.Write(table);
            }
        }

        Console.Error.WriteLine(string.Create(inv, $"done: forecast benchmark in {started.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}
