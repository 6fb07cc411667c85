using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Ingest;
using Prescient.Local.Azurite;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

public sealed record PipelineBenchmarkOptions
{
    public int IngestHosts { get; init; } = 100;

    public int BatchesPerHost { get; init; } = 12;

    public int SamplesPerBatch { get; init; } = 30;

    public int VmsPerSample { get; init; } = 8;

    /// <summary>Payloads per ingest call (a queue receive takes up to 32).</summary>
    public int PayloadsPerCall { get; init; } = 32;

    public bool SkipIngest { get; init; }

    public int RetrainHosts { get; init; } = 100;

    /// <summary>Hosts trained in memory only (no storage): the compute part of a fleet retrain.</summary>
    public int ComputeOnlyHosts { get; init; } = 100;

    public int RetrainDays { get; init; } = 28;

    public RetrainOptions Retrain { get; init; } = new();
}

public sealed record PipelineBenchmarkResult(
    int Samples,
    double IngestSeconds,
    double SamplesPerSecond,
    double NaiveUpsertsPerSecond,
    int RetrainHosts,
    int WindowsPerHost,
    double WindowLoadSeconds,
    double WindowReadSeconds,
    double RetrainSeconds,
    int ModelsStored,
    double MeanHoldoutMae,
    double MeanBaselineMae,
    int ComputeOnlyHosts,
    double ComputeOnlySeconds);

/// <summary>
/// Measures the pipeline on a fresh in-memory Azurite: ingest throughput (samples per second through validation,
/// the idempotent window store, dead letters and host registration), against a naive baseline measured in the same
/// run (one table upsert per sample); and the time to retrain a fleet from weeks of windows, against the time just to
/// read those windows.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineBenchmarkResult> RunAsync(PipelineBenchmarkOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        await using var azurite = await AzuriteProcess.StartAsync(cancellationToken: cancellationToken);
        var storage = PrescientStorage.FromConnectionString(azurite.ConnectionString, new StorageNames("bench"));
        await storage.EnsureCreatedAsync(cancellationToken);
        var time = TimeProvider.System;
        var calendar = PeriodCalendar.Default;
        var windows = new WindowStore(storage.Table(n => n.Windows), calendar, WorkloadMeasure.Cpu);
        var hosts = new HostStateStore(storage.Table(n => n.Hosts));
        var ingestor = new TelemetryIngestor(
            new TelemetryValidator(time), windows, new DeadLetterStore(storage.Table(n => n.DeadLetters), time), hosts, time,
            NullLogger<TelemetryIngestor>.Instance);

        var now = time.GetUtcNow();
        double ingestSeconds = double.NaN, naiveRate = double.NaN;
        var sampleCount = 0;
        if (!options.SkipIngest)
        {
            // Ingest: each host sends consecutive batches (every 20 s a sample), as agents do.
            var payloads = new List<IncomingPayload>();
            var totalSamples = options.BatchesPerHost * options.SamplesPerBatch;
            for (var b = 0; b < options.BatchesPerHost; b++)
            {
                for (var h = 0; h < options.IngestHosts; h++)
                {
                    var hostId = "ingest-" + h.ToString("D4", CultureInfo.InvariantCulture);
                    var samples = Enumerable.Range(0, options.SamplesPerBatch).Select(i =>
                    {
                        var n = b * options.SamplesPerBatch + i;
                        var cpu = 0.3 + 0.2 * Math.Sin(n / 50.0 + h);
                        return new TelemetrySample(n + 1, now.AddSeconds(-20 * (totalSamples - n)), cpu, 0.4, 0.05,
                            Enumerable.Range(0, options.VmsPerSample).Select(v => new VmSample($"{hostId}-vm{v}", cpu / options.VmsPerSample, 4096, 8)).ToList());
                    }).ToList();
                    payloads.Add(new IncomingPayload(
                        TelemetrySerializer.Serialize(TelemetryBatch.Create(hostId, samples)),
                        new PayloadOrigin("bench", payloads.Count.ToString(CultureInfo.InvariantCulture), now)));
                }
            }

            sampleCount = options.IngestHosts * totalSamples;
            var ingestClock = Stopwatch.StartNew();
            foreach (var call in payloads.Chunk(options.PayloadsPerCall))
            {
                await ingestor.IngestAsync(call, cancellationToken);
            }

            ingestSeconds = ingestClock.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest: {sampleCount} samples ({payloads.Count} payloads, {options.IngestHosts} hosts, {options.VmsPerSample} VMs each) in {ingestSeconds:0.00} s = {sampleCount / ingestSeconds:0} samples/s"));

            // Baseline in the same run: one upsert per sample (what a store without windows would do), 8 at a time.
            var naive = storage.Tables.GetTableClient("benchnaive");
            await naive.CreateIfNotExistsAsync(cancellationToken);
            const int naiveCount = 2_000;
            ingestClock.Restart();
            await Parallel.ForEachAsync(Enumerable.Range(0, naiveCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
                await naive.UpsertEntityAsync(new TableEntity("h" + (i % 100).ToString(CultureInfo.InvariantCulture), i.ToString("D8", CultureInfo.InvariantCulture)) { ["Cpu"] = 0.5 }, cancellationToken: ct));
            naiveRate = naiveCount / ingestClock.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"baseline: one table upsert per sample: {naiveRate:0} samples/s; windowed ingest is {sampleCount / ingestSeconds / naiveRate:0.0}x that"));
        }

        // Retrain: weeks of windows per host (one sample per period is enough to make a window).
        var periods = options.RetrainDays * calendar.PeriodsPerDay;
        var end = calendar.StartOf(calendar.PeriodOf(now));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.RetrainHosts), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (h, ct) =>
        {
            var random = new Random(h);
            var samples = Enumerable.Range(0, periods).Select(i =>
            {
                var at = end - calendar.PeriodLength * (periods - i) + TimeSpan.FromMinutes(1);
                var key = calendar.PeriodOf(at);
                var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                var daily = Math.Sin(2 * Math.PI * key.Index / calendar.PeriodsPerDay - Math.PI / 2);
                var cpu = Math.Clamp((weekend ? 0.25 : 0.45) + (weekend ? 0.1 : 0.3) * daily + (random.NextDouble() - 0.5) * 0.06, 0, 1);
                return new TelemetrySample(i + 1, at, cpu, 0.3, 0.05);
            }).ToList();
            await windows.ApplyAsync("retrain-" + h.ToString("D4", CultureInfo.InvariantCulture), samples, ct);
        });
        var loadSeconds = clock.Elapsed.TotalSeconds;
        // The retrain fleet gets a host list of its own, so the ingest hosts (hours of data) are not in it.
        var retrainHosts = new HostStateStore(storage.Tables.GetTableClient("benchretrainhosts"));
        await retrainHosts.Table.CreateIfNotExistsAsync(cancellationToken);
        await retrainHosts.TouchAsync(Enumerable.Range(0, options.RetrainHosts).Select(h => "retrain-" + h.ToString("D4", CultureInfo.InvariantCulture)), now, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"windows: {options.RetrainHosts} hosts x {periods} periods written in {loadSeconds:0.0} s"));

        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.RetrainHosts), new ParallelOptions { MaxDegreeOfParallelism = options.Retrain.Parallelism, CancellationToken = cancellationToken }, async (h, ct) =>
            await windows.GetMeansAsync("retrain-" + h.ToString("D4", CultureInfo.InvariantCulture), calendar.PeriodOf(now - options.Retrain.History), calendar.PeriodOf(now), ct));
        var readSeconds = clock.Elapsed.TotalSeconds;

        var service = new RetrainService(
            windows,
            new ModelStore(storage.Blobs.GetBlobContainerClient(storage.Names.ModelContainer), storage.Table(n => n.Models)),
            retrainHosts,
            new SettingsStore(storage.Table(n => n.Settings), time),
            time,
            NullLogger<RetrainService>.Instance,
            options.Retrain);
        clock.Restart();
        var fleet = await service.RetrainFleetAsync(cancellationToken);
        var retrainSeconds = clock.Elapsed.TotalSeconds;
        var trained = fleet.Hosts.Where(r => r.HoldoutMae is not null).ToList();
        var meanMae = trained.Count == 0 ? double.NaN : trained.Average(r => r.HoldoutMae!.Value);
        var meanBaseline = trained.Count == 0 ? double.NaN : trained.Average(r => r.BaselineMae!.Value);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"retrain: {options.RetrainHosts} hosts x {options.RetrainDays} days ({periods} windows each, {options.Retrain.Epochs} epochs, parallelism {options.Retrain.Parallelism}) in {retrainSeconds:0.0} s " +
            $"({retrainSeconds / options.RetrainHosts * 1000:0} ms/host); reading the windows alone: {readSeconds:0.0} s ({retrainSeconds / readSeconds:0.0}x)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accuracy: {fleet.Trained} models, mean held-out MAE {meanMae:0.0000} vs last-value baseline {meanBaseline:0.0000} ({meanMae / meanBaseline:0.00}x)"));
        // The compute alone: the same training on in-memory series (no storage), for as many hosts.
        var computeClock = Stopwatch.StartNew();
        var computeHosts = options.ComputeOnlyHosts;
        Parallel.For(0, computeHosts, new ParallelOptions { MaxDegreeOfParallelism = options.Retrain.Parallelism }, h =>
        {
            var random = new Random(h);
            var series = Enumerable.Range(0, periods).Select(i =>
            {
                var key = calendar.PeriodOf(end - calendar.PeriodLength * (periods - i));
                return (key, Math.Clamp(0.45 + 0.3 * Math.Sin(2 * Math.PI * key.Index / calendar.PeriodsPerDay) + (random.NextDouble() - 0.5) * 0.06, 0, 1));
            });
            var observations = Core.Network.PeriodObservation.FromSeries(series);
            var predictor = Core.Network.WorkloadPredictor.Create(Core.Settings.HostSettings.Default, calendar, Core.Calendar.DayCategorizer.Default, options.Retrain.Network);
            predictor.TrainBulk(observations.Take(observations.Count - options.Retrain.HoldoutPeriods).ToList(), options.Retrain.Epochs);
            foreach (var o in observations.Skip(observations.Count - options.Retrain.HoldoutPeriods))
            {
                predictor.Observe(o);
            }

            _ = predictor.ToSnapshot();
        });
        var computeSeconds = computeClock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compute only: {computeHosts} hosts x {periods} periods x {options.Retrain.Epochs} epochs trained in memory in {computeSeconds:0.0} s ({computeSeconds / computeHosts * 1000:0} ms/host)"));
        return new PipelineBenchmarkResult(
            sampleCount, ingestSeconds, sampleCount / ingestSeconds, naiveRate, options.RetrainHosts, periods, loadSeconds, readSeconds,
            retrainSeconds, fleet.Trained, meanMae, meanBaseline, computeHosts, computeSeconds);
    }
}
