using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Prescient.Cli.Up;
using Prescient.Local.Benchmarks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

/// <summary>
/// <c>prescient bench api</c>: read latency of the operations API while the whole local pipeline runs (what
/// <c>up</c> starts): an open-loop load of the dashboard's reads at a target rate, next to a baseline pass at a low
/// rate measured in the same run, against a limit on the 95th percentile.
/// </summary>
internal sealed class ApiCommand : AsyncCommand<ApiCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--rate <PER_SECOND>")]
        [Description("Requests per second of the load pass (default 50).")]
        public double Rate { get; init; } = 50;

        [CommandOption("--baseline-rate <PER_SECOND>")]
        [Description("Requests per second of the baseline pass (default 2).")]
        public double BaselineRate { get; init; } = 2;

        [CommandOption("--seconds <N>")]
        [Description("Length of the load pass in seconds (default 60); the baseline pass takes a third of it.")]
        public int Seconds { get; init; } = 60;

        [CommandOption("--hosts <COUNT>")]
        [Description("Hosts in the simulated fleet (default 16).")]
        public int Hosts { get; init; } = 16;

        [CommandOption("--speed <FACTOR>")]
        [Description("Simulated seconds per real second of the pipeline (default 240, as up).")]
        public double Speed { get; init; } = 240;

        [CommandOption("--limit-ms <MS>")]
        [Description("The 95th-percentile latency the load pass must stay under (default 200).")]
        public double LimitMs { get; init; } = 200;

        [CommandOption("--json")]
        [Description("Print the results as one JSON document on stdout (progress on stderr).")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Rate is > 0 and <= 2000 && BaselineRate is > 0 and <= 2000 && Seconds is >= 5 and <= 3600 && Hosts is >= 4 and <= 200
                && Speed is > 0 and <= 100_000 && LimitMs > 0
                ? ValidationResult.Success()
                : ValidationResult.Error("--rate and --baseline-rate must be in (0, 2000], --seconds 5-3600, --hosts 4-200, --speed in (0, 100000], --limit-ms above 0.");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var inv = CultureInfo.InvariantCulture;
        progress.WriteLine($"Starting the local pipeline ({settings.Hosts} hosts, {settings.Speed.ToString(inv)}x) ...");
        await using var pipeline = await LocalPipeline.StartAsync(
            new LocalPipelineOptions { Hosts = settings.Hosts, Speed = settings.Speed, ApiPort = 0 },
            stage: s => progress.WriteLine("  " + s),
            cancellationToken: cancellationToken);
        using var http = new HttpClient { BaseAddress = pipeline.ApiAddress, Timeout = TimeSpan.FromSeconds(60) };
        var mix = ApiReadLoad.DashboardMix(pipeline.Fleet.HostIds);

        // Warm up: a few evaluation cycles and migrations exist, connections are open, code is jitted.
        progress.WriteLine("Warming up (10 s at the baseline rate) ...");
        await ApiReadLoad.RunAsync(http, mix, settings.BaselineRate * 2, TimeSpan.FromSeconds(10), cancellationToken);
        progress.WriteLine($"Baseline: {settings.BaselineRate.ToString(inv)} requests/s for {settings.Seconds / 3} s ...");
        var baseline = await ApiReadLoad.RunAsync(http, mix, settings.BaselineRate, TimeSpan.FromSeconds(Math.Max(5, settings.Seconds / 3)), cancellationToken);
        progress.WriteLine("  " + ApiReadLoad.Describe(baseline.Overall));
        progress.WriteLine($"Load: {settings.Rate.ToString(inv)} requests/s for {settings.Seconds} s ...");
        var load = await ApiReadLoad.RunAsync(http, mix, settings.Rate, TimeSpan.FromSeconds(settings.Seconds), cancellationToken);
        progress.WriteLine("  " + ApiReadLoad.Describe(load.Overall));
        var activity = pipeline.Activity;
        var within = load.Overall.P95 < settings.LimitMs && load.Overall.Errors == 0;

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(
                new { settings.Hosts, settings.Speed, settings.LimitMs, Baseline = baseline, Load = load, WithinLimit = within, activity.Cycles, activity.MigrationsStarted, activity.PeriodsBehind },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return within ? 0 : 1;
        }

        var table = new Table().Title($"API reads while the pipeline runs ({settings.Hosts} hosts; latency in ms, from each request's scheduled start)").Border(TableBorder.Simple);
        table.AddColumn("read").AddColumn("requests").AddColumn("p50").AddColumn("p95").AddColumn("max").AddColumn($"baseline p95 at {settings.BaselineRate.ToString(inv)}/s").AddColumn("ratio");
        foreach (var (name, stats) in load.ByRead.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var basis = baseline.ByRead.TryGetValue(name, out var b) ? b.P95 : double.NaN;
            // A read the short baseline pass did not sample has no ratio.
            table.AddRow(name, stats.Requests.ToString(inv), stats.P50.ToString("0", inv), stats.P95.ToString("0", inv), stats.Max.ToString("0", inv),
                double.IsNaN(basis) ? "-" : basis.ToString("0", inv), double.IsNaN(basis) ? "-" : (stats.P95 / basis).ToString("0.0", inv));
        }

        table.AddRow("[bold]all[/]", load.Overall.Requests.ToString(inv), load.Overall.P50.ToString("0", inv), load.Overall.P95.ToString("0", inv),
            load.Overall.Max.ToString("0", inv), baseline.Overall.P95.ToString("0", inv), (load.Overall.P95 / baseline.Overall.P95).ToString("0.0", inv));
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(inv,
            $"load: {load.AchievedRate:0.0} requests/s achieved of {load.TargetRate:0.#} asked; p50 {load.Overall.P50:0} ms, p95 {load.Overall.P95:0} ms, max {load.Overall.Max:0} ms, {load.Overall.Errors} errors; limit p95 < {settings.LimitMs:0} ms: {(within ? "met" : "NOT met")}"));
        Console.WriteLine(string.Create(inv,
            $"baseline: {baseline.AchievedRate:0.0} requests/s; p50 {baseline.Overall.P50:0} ms, p95 {baseline.Overall.P95:0} ms; pipeline meanwhile: {activity.Cycles} evaluation cycles, {activity.MigrationsStarted} migrations started, {activity.PeriodsBehind} periods behind"));
        return within ? 0 : 1;
    }
}
