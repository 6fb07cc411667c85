using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Local.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

/// <summary>
/// <c>prescient bench pipeline</c>: ingest throughput into a fresh in-memory Azurite (next to a naive one-upsert-per-sample
/// baseline measured in the same run) and the time to retrain a fleet from weeks of stored windows.
/// </summary>
internal sealed class PipelineCommand : AsyncCommand<PipelineCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--hosts <N>")]
        [Description("Hosts sending telemetry for the ingest figure (default 100).")]
        public int? Hosts { get; init; }

        [CommandOption("--retrain-hosts <N>")]
        [Description("Hosts retrained from stored windows (default 100).")]
        public int? RetrainHosts { get; init; }

        [CommandOption("--days <N>")]
        [Description("Days of 20-minute windows per retrained host (default 28).")]
        public int? Days { get; init; }

        [CommandOption("--json")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Hosts is < 1 || RetrainHosts is < 0 || Days is < 2
                ? ValidationResult.Error("--hosts must be at least 1, --retrain-hosts at least 0 and --days at least 2.")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new PipelineBenchmarkOptions
        {
            IngestHosts = settings.Hosts ?? 100,
            RetrainHosts = settings.RetrainHosts ?? 100,
            ComputeOnlyHosts = settings.RetrainHosts ?? 100,
            RetrainDays = settings.Days ?? 28,
        };

        // Progress lines go to stderr so that --json output stays one document on stdout.
        var result = await PipelineBenchmark.RunAsync(options, Console.Error, cancellationToken);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }

        var inv = CultureInfo.InvariantCulture;
        var table = new Table().Title("Pipeline on Azurite (ratios against baselines measured in the same run)").Border(TableBorder.Simple);
        table.AddColumn("figure").AddColumn("value").AddColumn("baseline").AddColumn("ratio");
        table.AddRow(
            "ingest (samples/s)",
            result.SamplesPerSecond.ToString("#,0", inv),
            "one upsert per sample: " + result.NaiveUpsertsPerSecond.ToString("#,0", inv),
            (result.SamplesPerSecond / result.NaiveUpsertsPerSecond).ToString("0.00", inv));
        table.AddRow(
            $"retrain {result.RetrainHosts} hosts x {result.WindowsPerHost} windows (s)",
            result.RetrainSeconds.ToString("0.0", inv),
            "reading the windows only: " + result.WindowReadSeconds.ToString("0.0", inv),
            (result.RetrainSeconds / result.WindowReadSeconds).ToString("0.00", inv));
        table.AddRow(
            $"train {result.ComputeOnlyHosts} hosts in memory (s)",
            result.ComputeOnlySeconds.ToString("0.0", inv),
            "-",
            "-");
        table.AddRow(
            "held-out MAE",
            result.MeanHoldoutMae.ToString("0.0000", inv),
            "last value: " + result.MeanBaselineMae.ToString("0.0000", inv),
            (result.MeanHoldoutMae / result.MeanBaselineMae).ToString("0.00", inv));
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(inv, $"done: {result.Samples} samples ingested at {result.SamplesPerSecond:0}/s; {result.RetrainHosts} hosts retrained in {result.RetrainSeconds:0.0} s"));
        return 0;
    }
}
