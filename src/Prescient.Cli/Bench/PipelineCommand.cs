using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Local.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

/// <summary>
/// <c>prescient bench pipeline</c>: a fleet on a fresh in-memory Azurite with weeks of history; agents' batches through
/// the Storage queue into windows (end to end), the fleet's history read for a retrain, and the retrain; each next to
/// the earlier storage layout measured in the same run (on fewer hosts, scaled).
/// </summary>
internal sealed class PipelineCommand : AsyncCommand<PipelineCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--hosts <N>")]
        [Description("Hosts of the fleet (default 100).")]
        public int? Hosts { get; init; }

        [CommandOption("--days <N>")]
        [Description("Days of 20-minute windows each host has (default 28).")]
        public int? Days { get; init; }

        [CommandOption("--old-hosts <N>")]
        [Description("Hosts measured with the earlier layout in the same run, scaled to the fleet (default 100).")]
        public int? OldHosts { get; init; }

        [CommandOption("--retrain-hosts <N>")]
        [Description("Hosts the fleet retrain covers (default: all).")]
        public int? RetrainHosts { get; init; }

        [CommandOption("--batches <N>")]
        [Description("Batches each agent sends through the queue (default 2).")]
        public int? Batches { get; init; }

        [CommandOption("--batch-samples <N>")]
        [Description("Samples per agent batch (default 12, the agent's default).")]
        public int? BatchSamples { get; init; }

        [CommandOption("--consumers <N>")]
        [Description("Queue consumers draining at once (default 2).")]
        public int? Consumers { get; init; }

        [CommandOption("--json")]
        [Description("Print the figures as one JSON document on stdout (progress goes to stderr).")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            var errors = new List<string>();
            if (Hosts is < 1 or > 200_000)
            {
                errors.Add("--hosts must be between 1 and 200,000.");
            }

            if (Days is < 2 or > 30)
            {
                errors.Add("--days must be between 2 and 30 (telemetry older than 30 days is refused).");
            }

            if (OldHosts is < 1 || RetrainHosts is < 1 || Batches is < 1 || Consumers is < 1 or > 16)
            {
                errors.Add("--old-hosts, --retrain-hosts and --batches must be at least 1, --consumers between 1 and 16.");
            }

            if (BatchSamples is < 1 or > 60)
            {
                errors.Add("--batch-samples must be between 1 and 60 (a batch with 8 VMs a sample must fit one 64 KiB queue message).");
            }

            return errors.Count == 0 ? ValidationResult.Success() : ValidationResult.Error(string.Join(" ", errors));
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new PipelineBenchmarkOptions
        {
            Hosts = settings.Hosts ?? 100,
            Days = settings.Days ?? 28,
            OldLayoutHosts = settings.OldHosts ?? 100,
            RetrainHosts = settings.RetrainHosts,
            BatchesPerHost = settings.Batches ?? 2,
            SamplesPerBatch = settings.BatchSamples ?? 12,
            Consumers = settings.Consumers ?? 2,
        };

        // Progress lines go to stderr so that --json output stays one document on stdout.
        var result = await PipelineBenchmark.RunAsync(options, Console.Error, cancellationToken);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }

        var inv = CultureInfo.InvariantCulture;
        var table = new Table()
            .Title(string.Create(inv, $"Pipeline on Azurite: {result.Hosts:N0} hosts, {result.Days} days (earlier layout measured on {result.OldLayoutHosts:N0} hosts in the same run, scaled)"))
            .Border(TableBorder.Simple);
        table.AddColumn("figure").AddColumn("series layout").AddColumn("earlier layout").AddColumn("ratio");
        void Row(string figure, double value, double old, string format) =>
            table.AddRow(figure, value.ToString(format, inv), old.ToString(format, inv), (value / old).ToString("0.00", inv));
        Row("history load (s)", result.HistoryLoadSeconds, result.OldLayoutHistoryLoadSeconds, "0.0");
        Row("ingest end to end through the queue (samples/s)", result.IngestSamplesPerSecond, result.OldLayoutIngestSamplesPerSecond, "#,0");
        Row("  of which the queue alone (samples/s)", result.QueueOnlySamplesPerSecond, result.QueueOnlySamplesPerSecond, "#,0");
        Row("  of which the ingest alone (samples/s)", result.StoreOnlySamplesPerSecond, result.OldLayoutStoreOnlySamplesPerSecond, "#,0");
        Row("retrain read, all hosts (s)", result.RetrainReadSeconds, result.OldLayoutRetrainReadSeconds, "0.00");
        table.AddRow(
            string.Create(inv, $"incremental retrain read, newest {result.IncrementalReadDays} days, all hosts (s)"),
            result.IncrementalRetrainReadSeconds.ToString("0.00", inv),
            "-",
            "-");
        Row("retrain read, host by host (s)", result.PerHostRetrainReadSeconds, result.OldLayoutRetrainReadSeconds, "0.00");
        table.AddRow(
            string.Create(inv, $"  all at once, {result.BucketComparisonHosts:N0} hosts: week rows vs day rows (s)"),
            result.WeekRowsRetrainReadSeconds.ToString("0.00", inv),
            "day rows: " + result.DayRowsRetrainReadSeconds.ToString("0.00", inv),
            (result.WeekRowsRetrainReadSeconds / result.DayRowsRetrainReadSeconds).ToString("0.00", inv));
        Row(string.Create(inv, $"retrain {result.RetrainHosts:N0} hosts (s)"), result.RetrainSeconds, result.OldLayoutRetrainSeconds, "0.0");
        table.AddRow("incremental retrain (s)", result.IncrementalRetrainSeconds?.ToString("0.0", inv) ?? "not measured (the service planned a full retrain)", "-", "-");
        Row(string.Create(inv, $"one evaluation of {result.EvaluateDecisions:N0} hosts (s)"), result.EvaluateSeconds, result.OldLayoutEvaluateSeconds, "0.00");
        table.AddRow("  of which the fleet read / the planning (s)", result.EvaluateReadSeconds.ToString("0.00", inv) + " / " + result.EvaluatePlanSeconds.ToString("0.00", inv), "-", "-");
        table.AddRow("held-out MAE", result.MeanHoldoutMae.ToString("0.0000", inv), "last value: " + result.MeanBaselineMae.ToString("0.0000", inv), (result.MeanHoldoutMae / result.MeanBaselineMae).ToString("0.00", inv));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(string.Create(inv, $"An agent batch: {result.AgentBatchJsonBytes:N0} bytes of JSON, {result.AgentBatchQueueMessageBytes:N0} as a queue message."));
        return 0;
    }
}
