using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Up;

/// <summary>
/// <c>prescient up</c>: starts the local pipeline, prints where everything is, shows progress, and stops after
/// <c>--duration</c> or on the first Ctrl-C / SIGTERM: in order and within about 30 s, migrations in flight finish or
/// are recorded as interrupted. A second Ctrl-C stops at once. With <c>--json</c> prints one summary line read back
/// through the API.
/// </summary>
public sealed class UpCommand(IAnsiConsole console) : AsyncCommand<UpSettings>
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public override async Task<int> ExecuteAsync(CommandContext context, UpSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // With --json, stdout carries only the summary line; progress goes to stderr.
        var progress = settings.Json ? Console.Error : console.Profile.Out.Writer;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        LocalPipeline? running = null;
        var signals = 0;
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                progress.WriteLine($"Stopping ({signal.Signal}): migrations in flight get a few seconds to finish; {signal.Signal} again stops at once...");
                stop.Cancel();
                return;
            }

            progress.WriteLine("Stopping at once: Azurite is killed; workflows in flight resume at the next start with the same --data.");
            progress.Flush();
            running?.KillChildren();
            Environment.Exit(130);
        }

        // A terminal's Ctrl-C (SIGINT) and a service manager's SIGTERM stop the same orderly way.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var logLevel = Environment.GetEnvironmentVariable("PRESCIENT_LOG") is { } level && Enum.TryParse<LogLevel>(level, true, out var l) ? l : (LogLevel?)null;
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(logLevel ?? LogLevel.Error)
            // The durable worker logs each work item a stop cancels as an error; the workflows' own failures are in their records.
            .AddFilter("Microsoft.DurableTask", logLevel ?? LogLevel.Critical));
        var hypervisor = settings.Hypervisor == "qemu" ? DemoHypervisor.Qemu : DemoHypervisor.Simulated;
        if (hypervisor == DemoHypervisor.Qemu && QemuDemoFleet.MissingPrerequisites(QemuDemoFleet.DefaultGuestDirectory()) is { } missing)
        {
            await Console.Error.WriteLineAsync("prescient up --hypervisor qemu needs:" + Environment.NewLine + missing);
            return 1;
        }

        var options = new LocalPipelineOptions
        {
            Speed = settings.Speed,
            Hosts = settings.Hosts,
            Hypervisor = hypervisor,
            StorageConnectionString = settings.Storage,
            AzuriteDataDirectory = settings.Data is null ? null : Path.GetFullPath(settings.Data),
            StartTime = TimeOnly.ParseExact(settings.Start, "HH:mm", CultureInfo.InvariantCulture),
            ApiPort = settings.Port,
        };
        var started = DateTimeOffset.UtcNow;
        LocalPipeline pipeline;
        try
        {
            pipeline = await LocalPipeline.StartAsync(options, loggerFactory, s => progress.WriteLine("  " + s + "..."), s => progress.WriteLine(s), stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            progress.WriteLine("Stopped before it was up.");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            progress.WriteLine("Prescient could not start: " + Hint(e, settings));
            return 1;
        }

        await using (pipeline)
        {
            running = pipeline;
            Describe(progress, pipeline, settings, DateTimeOffset.UtcNow - started);
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
                // After a signal there is no time to settle: the summary says what the API shows now.
                var signalled = stop.IsCancellationRequested;
                if (!signalled)
                {
                    progress.WriteLine("Settling: no new decisions; waiting for migrations in flight...");
                    await pipeline.StopDecidingAsync(TimeSpan.FromSeconds(60));
                }

                using var http = new HttpClient { BaseAddress = pipeline.ApiAddress, Timeout = TimeSpan.FromSeconds(signalled ? 8 : 120) };
                try
                {
                    var summary = await UpSummary.ReadAsync(http, pipeline.RunStartedAt - TimeSpan.FromDays(options.HistoryDays), pipeline.RunStartedAt,
                        pipeline.Clock.GetUtcNow(), pipeline.Activity.PeriodsBehind, CancellationToken.None);
                    console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(summary));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    progress.WriteLine("No summary: the API did not answer in time (" + e.Message + ").");
                }
            }

            progress.WriteLine("Stopping: deciding, migrations in flight, agents, ingest, API, durable runtime, fleet, Azurite...");
            var stopWatch = System.Diagnostics.Stopwatch.StartNew();
            var report = await pipeline.StopAsync();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Stopped in {stopWatch.Elapsed.TotalSeconds:F1} s: {report.Finished} workflow(s) in flight finished, {report.Interrupted.Count} migration(s) recorded as interrupted{(report.Interrupted.Count == 0 ? "" : " (" + string.Join(", ", report.Interrupted) + ")")}{(report.Abandoned.Count == 0 ? "" : "; did not stop in time, abandoned: " + string.Join(", ", report.Abandoned))}."));
        }

        return 0;
    }

    private static void Describe(TextWriter progress, LocalPipeline pipeline, UpSettings settings, TimeSpan startup)
    {
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Prescient is up in {startup.TotalSeconds:F0} s: {pipeline.Fleet.HostIds.Count} hosts, {pipeline.Fleet.Vms.Count} VMs, {settings.Speed:0.#}x speed (a 20-minute period every {1200 / settings.Speed:0.#} s)."));
        if (pipeline.Resumed)
        {
            var r = pipeline.Reconciled;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Resumed the run begun {pipeline.RunStartedAt:ddd HH:mm} (simulated): {r?.ActiveMigrations ?? 0} migration(s) in flight resume from their checkpoints, {r?.RecordsReconciled ?? 0} settled with the hosts, {r?.LeasesReleased ?? 0} stale lease(s) released."));
        }

        progress.WriteLine($"Storage:   {pipeline.StorageDescription ?? "the storage account given with --storage"}");
        progress.WriteLine($"Dashboard: {pipeline.DashboardUri}");
        progress.WriteLine($"API:       {pipeline.ApiAddress}api/hosts   (changes need: Authorization: Bearer {pipeline.ApiToken})");
        progress.WriteLine(settings.DurationValue is { } d ? $"Running for {d}; Ctrl-C stops earlier." : "Ctrl-C stops everything.");
    }

    private static string Describe(PipelineActivity a) => string.Create(CultureInfo.InvariantCulture,
        $"[{a.SimulatedNow:ddd HH:mm}] samples {a.SamplesPublished} published / {a.SamplesIngested} ingested, {a.Cycles} evaluation cycles, {a.MigrationsStarted} migrations and {a.Evacuations} evacuations started, {a.Retrains} retrains{(a.PeriodsBehind == 0 ? "" : $", {a.PeriodsBehind} periods behind")}{(a.LastError is null ? "" : "; last error: " + a.LastError)}");

    private static string Hint(Exception e, UpSettings settings)
    {
        var inUse = e is IOException && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
        return inUse
            ? $"{e.Message} Port {settings.Port} is taken: pass --port with another port, or --port 0 for any free one."
            : e.Message;
    }
}
