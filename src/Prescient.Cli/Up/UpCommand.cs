using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Up;

/// <summary>
/// <c>prescient up</c>: starts the local pipeline, prints the dashboard's address, shows progress, and stops cleanly
/// on Ctrl-C or after <c>--duration</c>; with <c>--json</c> prints one summary line read back through the API.
/// </summary>
public sealed class UpCommand(IAnsiConsole console) : AsyncCommand<UpSettings>
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public override async Task<int> ExecuteAsync(CommandContext context, UpSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (PortCheck.DescribeClash(settings.Port) is { } clash)
        {
            console.MarkupLineInterpolated($"[red]Error:[/] {clash}");
            return 1;
        }

        // With --json, stdout carries only the summary line; progress goes to stderr.
        var progress = settings.Json ? Console.Error : console.Profile.Out.Writer;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            progress.WriteLine("Stopping (Ctrl-C)...");
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (a service manager, `kill`) stops the same orderly way as Ctrl-C.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            progress.WriteLine("Stopping (SIGTERM)...");
            stop.Cancel();
        });
        try
        {
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(Environment.GetEnvironmentVariable("PRESCIENT_LOG") is { } level && Enum.TryParse<LogLevel>(level, true, out var l) ? l : LogLevel.Error));
            var options = new LocalPipelineOptions
            {
                Speed = settings.Speed,
                Hosts = settings.Hosts,
                StorageConnectionString = settings.Storage,
                AzuriteDataDirectory = settings.Data is null ? null : Path.GetFullPath(settings.Data),
                StartTime = TimeOnly.ParseExact(settings.Start, "HH:mm", CultureInfo.InvariantCulture),
                ApiPort = settings.Port,
            };
            var started = DateTimeOffset.UtcNow;
            await using var pipeline = await LocalPipeline.StartAsync(options, loggerFactory, s => progress.WriteLine("  " + s + "..."), stop.Token);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Prescient is up in {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s: {pipeline.Fleet.HostIds.Count} hosts, {pipeline.Fleet.Vms.Count} VMs, {settings.Speed:0.#}x speed (a 20-minute period every {1200 / settings.Speed:0.#} s)."));
            progress.WriteLine($"Dashboard: {pipeline.DashboardUri}");
            progress.WriteLine($"API:       {pipeline.Api.BaseAddress}api/hosts   (changes need: Authorization: Bearer {pipeline.Api.Token})");
            progress.WriteLine(settings.DurationValue is { } d ? $"Running for {d}; Ctrl-C stops earlier." : "Ctrl-C stops everything.");

            var deadline = settings.DurationValue is { } duration ? DateTimeOffset.UtcNow + duration : DateTimeOffset.MaxValue;
            while (!stop.IsCancellationRequested && DateTimeOffset.UtcNow < deadline)
            {
                var wait = deadline - DateTimeOffset.UtcNow < ProgressEvery ? deadline - DateTimeOffset.UtcNow : ProgressEvery;
                try
                {
                    await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                progress.WriteLine(Describe(pipeline.Activity));
            }

            if (settings.Json)
            {
                progress.WriteLine("Settling: no new decisions; waiting for migrations in flight...");
                await pipeline.StopDecidingAsync(TimeSpan.FromSeconds(60));
                using var http = new HttpClient { BaseAddress = pipeline.Api.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
                var summary = await UpSummary.ReadAsync(
                    http, pipeline.Clock.Epoch - TimeSpan.FromDays(options.HistoryDays), pipeline.Clock.GetUtcNow(), CancellationToken.None);
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(summary));
            }

            progress.WriteLine("Stopping: agents, loops, API, durable runtime (in-flight work finishes), fleet, Azurite...");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        progress.WriteLine("Stopped.");
        return 0;
    }

    private static string Describe(PipelineActivity a) => string.Create(CultureInfo.InvariantCulture,
        $"[{a.SimulatedNow:ddd HH:mm}] samples {a.SamplesPublished} published / {a.SamplesIngested} ingested, {a.Cycles} evaluation cycles, {a.MigrationsStarted} migrations and {a.Evacuations} evacuations started, {a.Retrains} retrains{(a.LastError is null ? "" : "; last error: " + a.LastError)}");
}
