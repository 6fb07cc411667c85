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
        [Description("Bulk-training epochs of the network on each training part (default 30).")]
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
            Epochs = settings.Epochs ?? 30,
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
                rows = report.Rows.Select(r => new
                {
                    family = r.Family,
                    model = r.Model,
                    horizon = r.Horizon,
                    series = r.Series,
                    points = r.Points,
                    mae = r.Mae,
                    maeVsLastValue = r.MaeVsLastValue,
                    pinball90 = r.Pinball90,
                    pinball90VsLastValue = r.Pinball90VsLastValue,
                    overloadPeriods = r.OverloadPeriods,
                    overloadRecall = r.OverloadRecall,
                    falseAlarmRate = r.FalseAlarmRate,
                    onsets = r.Onsets,
                    onsetRecall = r.OnsetRecall,
                    upperMissRate = r.UpperMissRate,
                    highLoadPeriods = r.HighLoadPeriods,
                    highLoadMissRate = r.HighLoadMissRate,
                    highLoadMissRateVsLastValue = r.HighLoadMissRateVsLastValue,
                }),
                selections = report.Selections.Select(s => new { family = s.Family, model = s.Model, chosenShare = s.ChosenShare }),
            };
            Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            string Pct(double? x) => x is { } v ? v.ToString("0.0%", inv) : "-";
            foreach (var group in report.Rows.GroupBy(r => (r.Family, r.Horizon)))
            {
                var first = group.First();
                var table = new Table().Title($"{group.Key.Family}, {group.Key.Horizon} period(s) ahead: {first.Series} series, {first.Points} test periods, {first.OverloadPeriods} overloaded, {first.Onsets} onsets, {first.HighLoadPeriods} high-load").Border(TableBorder.Simple);
                foreach (var c in new[] { "model", "MAE", "MAE / last", "pinball90", "pinball / last", "overload recall", "false alarms", "onset recall", "upper misses", "high-load misses", "chosen" })
                {
                    table.AddColumn(new TableColumn(c).RightAligned());
                }

                foreach (var r in group)
                {
                    var chosen = report.Selections.FirstOrDefault(s => s.Family == r.Family && s.Model == r.Model && r.Model != "last-value");
                    table.AddRow(
                        r.Model,
                        r.Mae.ToString("0.0000", inv),
                        r.MaeVsLastValue.ToString("0.000", inv),
                        r.Pinball90.ToString("0.0000", inv),
                        r.Pinball90VsLastValue.ToString("0.000", inv),
                        Pct(r.OverloadRecall),
                        Pct(r.FalseAlarmRate),
                        Pct(r.OnsetRecall),
                        Pct(r.UpperMissRate),
                        Pct(r.HighLoadMissRate),
                        chosen.Model is null ? "-" : Pct(chosen.ChosenShare));
                }

                AnsiConsole.Write(table);
            }
        }

        Console.Error.WriteLine(string.Create(inv, $"done: forecast benchmark in {started.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}
