using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Local.Azurite;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

public sealed record PipelineBenchmarkOptions
{
    /// <summary>Hosts of the fleet (history, ingest, retrain, evaluate).</summary>
    public int Hosts { get; init; } = 100;

    /// <summary>Days of 20-minute windows each host has before the ingest run.</summary>
    public int Days { get; init; } = 28;

    /// <summary>Batches each agent sends in the ingest run.</summary>
    public int BatchesPerHost { get; init; } = 2;

    /// <summary>Samples per agent batch (the agent's default: a sample every 5 s, 12 to a batch).</summary>
    public int SamplesPerBatch { get; init; } = 12;

    public int VmsPerSample { get; init; } = 8;

    /// <summary>Queue consumers draining at once (Functions instances).</summary>
    public int Consumers { get; init; } = 2;

    /// <summary>Hosts measured with the earlier layout in the same run (fewer than <see cref="Hosts"/>: it is slow; figures are scaled).</summary>
    public int OldLayoutHosts { get; init; } = 100;

    /// <summary>Hosts the fleet retrain covers (null: all).</summary>
    public int? RetrainHosts { get; init; }

    public RetrainOptions Retrain { get; init; } = new();

    /// <summary>Days of windows an incremental retrain reads per host (the new periods and its replay sample).</summary>
    public int IncrementalDays { get; init; } = 8;
}

/// <summary>The benchmark's figures; <c>OldLayout...</c> ones are the earlier layout's, measured in the same run.</summary>
public sealed record PipelineBenchmarkResult(
    int Hosts,
    int Days,
    int WindowsPerHost,
    int OldLayoutHosts,
    double HistoryLoadSeconds,
    double OldLayoutHistoryLoadSeconds,
    long IngestSamples,
    int IngestMessages,
    double IngestSamplesPerSecond,
    double OldLayoutIngestSamplesPerSecond,
    double QueueOnlySamplesPerSecond,
    double StoreOnlySamplesPerSecond,
    double OldLayoutStoreOnlySamplesPerSecond,
    double RetrainReadSeconds,
    double PerHostRetrainReadSeconds,
    double OldLayoutRetrainReadSeconds,
    int BucketComparisonHosts,
    double WeekRowsRetrainReadSeconds,
    double DayRowsRetrainReadSeconds,
    int RetrainHosts,
    double RetrainSeconds,
    double OldLayoutRetrainSeconds,
    double? IncrementalRetrainSeconds,
    int ModelsStored,
    double MeanHoldoutMae,
    double MeanBaselineMae,
    double EvaluateSeconds,
    double EvaluateReadSeconds,
    double EvaluatePlanSeconds,
    int EvaluateDecisions,
    double OldLayoutEvaluateSeconds,
    int IncrementalReadDays,
    double IncrementalRetrainReadSeconds,
    int AgentBatchJsonBytes,
    int AgentBatchQueueMessageBytes);

/// <summary>
/// The pipeline at fleet size on a fresh in-memory Azurite, the series layout (docs/adr/0003) next to the earlier
/// layout (one row per host and period) measured in the same run on <see cref="PipelineBenchmarkOptions.OldLayoutHosts"/>
/// hosts and scaled to the fleet: loading weeks of history, agents' batches through the Storage queue into windows
/// (end to end), reading the fleet's history for a retrain, and the retrain itself.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineBenchmarkResult> RunAsync(PipelineBenchmarkOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        // Weeks of windows for thousands of hosts take a few GB in Azurite's memory.
        Environment.SetEnvironmentVariable("NODE_OPTIONS", "--max-old-space-size=12288");
        progress.WriteLine("starting Azurite (in memory)");
        await using var azurite = await AzuriteProcess.StartAsync(cancellationToken: cancellationToken);
        var storage = PrescientStorage.FromConnectionString(azurite.ConnectionString, new StorageNames("bench"));
        await storage.EnsureCreatedAsync(cancellationToken);
        var time = TimeProvider.System;
        var calendar = PeriodCalendar.Default;
        var now = time.GetUtcNow();
        var oldHostCount = Math.Min(options.OldLayoutHosts, options.Hosts);
        // The earlier layout's runs send as many messages as the fleet's (at most 2,000: it is slow), from its fewer
        // hosts: more batches each.
        var oldBatches = (Math.Min(options.Hosts * options.BatchesPerHost, 2_000) + oldHostCount - 1) / oldHostCount;
        var agentInterval = TimeSpan.FromSeconds(5);
        // Agents' samples follow the history and must not be in the future (twice the batches: ingest, then ingest alone).
        var agentSpan = agentInterval * options.SamplesPerBatch * 2 * Math.Max(options.BatchesPerHost, oldBatches);
        var historyEnd = calendar.StartOf(calendar.PeriodOf(now - agentSpan - TimeSpan.FromMinutes(5)));
        var fleet = new BenchmarkFleet("host-", options.Hosts, calendar, historyEnd, options.Days);
        var oldFleet = new BenchmarkFleet("old-", oldHostCount, calendar, historyEnd, options.Days);
        var scale = (double)fleet.Hosts / oldFleet.Hosts;
        TelemetryBatch Batch(BenchmarkFleet of, int host, int batch) => of.AgentBatch(host, batch, options.SamplesPerBatch, options.VmsPerSample, agentInterval);
        // An agent batch's JSON (the queue carries it base64-encoded, a third larger).
        var batchJsonBytes = TelemetrySerializer.Serialize(Batch(fleet, 0, 0)).Length;

        var windows = new WindowStore(storage.Table(n => n.Windows), calendar, WorkloadMeasure.Cpu);
        var hosts = new HostStateStore(storage.Table(n => n.Hosts));
        var oldTable = storage.Tables.GetTableClient("bencholdwindows");
        await oldTable.CreateIfNotExistsAsync(cancellationToken);
        var oldWindows = new PeriodRowWindowStore(oldTable, calendar, WorkloadMeasure.Cpu);
        var oldHosts = new HostStateStore(storage.Tables.GetTableClient("bencholdhosts"));
        await oldHosts.Table.CreateIfNotExistsAsync(cancellationToken);

        // 1. History: every host's weeks of windows (one sample per period), as earlier ingests would have left them.
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history: {fleet.Hosts:N0} hosts x {options.Days} days ({fleet.HistoryPeriods:N0} windows each)"));
        var clock = Stopwatch.StartNew();
        var loaded = 0;
        foreach (var group in Enumerable.Range(0, fleet.Hosts).Chunk(250))
        {
            await windows.ApplyAsync(group.ToDictionary(h => fleet.HostIds[h], h => (IReadOnlyList<TelemetrySample>)fleet.History(h), StringComparer.Ordinal), cancellationToken);
            loaded += group.Length;
            if (loaded % 2_000 < 250 || loaded == fleet.Hosts)
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  series layout: {loaded:N0} of {fleet.Hosts:N0} hosts written ({clock.Elapsed.TotalSeconds:0} s)"));
            }
        }

        await hosts.TouchAsync(fleet.HostIds, now, cancellationToken);
        var historySeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, oldFleet.Hosts), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (h, ct) =>
            await oldWindows.ApplyAsync(oldFleet.HostIds[h], oldFleet.History(h), ct));
        var oldHistorySeconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  earlier layout: {oldFleet.Hosts:N0} hosts written in {oldHistorySeconds:0.0} s ({oldHistorySeconds * scale:0} s scaled to {fleet.Hosts:N0} hosts; series layout {historySeconds:0.0} s)"));

        // 2. Ingest, end to end: agents' batches through the Storage queue into windows, then the earlier layout's path.
        var validator = new TelemetryValidator(time);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: {fleet.Hosts:N0} agents x {options.BatchesPerHost} batches of {options.SamplesPerBatch} samples ({options.VmsPerSample} VMs each) through the Storage queue, {options.Consumers} consumers"));
        var ingestor = new TelemetryIngestor(validator, windows, new DeadLetterStore(storage.Table(n => n.DeadLetters), time), hosts, time, NullLogger<TelemetryIngestor>.Instance);
        var queue = storage.Queues.GetQueueClient("benchtelemetry");
        var drainer = new QueueTelemetryDrainer(queue, ingestor, NullLogger<QueueTelemetryDrainer>.Instance);
        var ingest = await QueueIngestRun.RunAsync(
            "series layout", queue, fleet, 0, options.BatchesPerHost,
            (h, b) => Batch(fleet, h, b),
            options.SamplesPerBatch, options.Consumers,
            // Samples accounted for: counted now, or already stored by an earlier delivery of the same message (a round
            // that outlasts the visibility timeout, or fails after storing, gets its messages again: the ledger counts
            // their samples as duplicates, never twice).
            async ct =>
            {
                var drained = await drainer.DrainAsync(drainer.MessagesPerRound, ct);
                return drained.Accepted + drained.Duplicates;
            },
            progress, cancellationToken);
        var oldQueue = storage.Queues.GetQueueClient("bencholdtelemetry");
        var oldIngest = await QueueIngestRun.RunAsync(
            "earlier layout", oldQueue, oldFleet, 0, oldBatches,
            (h, b) => Batch(oldFleet, h, b),
            options.SamplesPerBatch, options.Consumers,
            ct => QueueIngestRun.DrainWithEarlierLayoutAsync(oldQueue, validator, oldWindows, oldHosts, ct),
            progress, cancellationToken);

        // The two parts of that path alone: the queue (send, receive, delete; no ingest) and the ingest (the same kind of
        // payloads handed to the ingest step in process, rounds of 128 as the drainer makes them; no queue).
        var queueFleet = new BenchmarkFleet("queue-", Math.Min(fleet.Hosts, 2_000), calendar, historyEnd, options.Days);
        var queueOnly = storage.Queues.GetQueueClient("benchqueueonly");
        var queueCeiling = await QueueIngestRun.RunAsync(
            "queue alone", queueOnly, queueFleet, 0, 1,
            (h, b) => Batch(queueFleet, h, b),
            options.SamplesPerBatch, options.Consumers,
            ct => QueueIngestRun.DrainWithoutIngestAsync(queueOnly, options.SamplesPerBatch, ct),
            progress, cancellationToken);
        var store = await StoreOnlyAsync(
            "ingest alone, series layout", fleet, options.BatchesPerHost, options.BatchesPerHost, h => Batch(fleet, h.Host, h.Batch), options.Consumers, 128,
            async (payloads, ct) => (await ingestor.IngestAsync(payloads, ct)).Accepted,
            progress, cancellationToken);
        var oldStore = await StoreOnlyAsync(
            "ingest alone, earlier layout", oldFleet, oldBatches, oldBatches, h => Batch(oldFleet, h.Host, h.Batch), options.Consumers, 32,
            (payloads, ct) => QueueIngestRun.IngestWithEarlierLayoutAsync(payloads, validator, oldWindows, oldHosts, ct),
            progress, cancellationToken);

        // 3. Retrain: the fleet's history read in bulk (series), per host (series, as a per-host retrain reads), and
        // per host from the earlier layout; then the retrain service over the fleet.
        var from = calendar.PeriodOf(historyEnd - options.Retrain.History);
        var to = calendar.PeriodOf(now);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retrain: reading {options.Retrain.History.TotalDays:0} days of windows"));
        // Warm-up (JIT): the same read for a few hosts, not timed.
        await windows.GetMeansAsync(fleet.HostIds.Take(20).ToList(), from, to, cancellationToken);
        clock.Restart();
        var means = await windows.GetMeansAsync(fleet.HostIds.ToList(), from, to, cancellationToken);
        var readSeconds = clock.Elapsed.TotalSeconds;
        var windowsRead = means.Values.Sum(m => (long)m.Count);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  series layout, all hosts at once: {windowsRead:N0} windows of {fleet.Hosts:N0} hosts in {readSeconds:0.00} s"));
        var perHostHosts = fleet.HostIds.Take(oldFleet.Hosts).ToList();
        clock.Restart();
        await Parallel.ForEachAsync(perHostHosts, new ParallelOptions { MaxDegreeOfParallelism = options.Retrain.Parallelism, CancellationToken = cancellationToken }, async (h, ct) =>
            await windows.GetMeansAsync(h, from, to, ct));
        var perHostSeconds = clock.Elapsed.TotalSeconds * scale;
        clock.Restart();
        await Parallel.ForEachAsync(oldFleet.HostIds, new ParallelOptions { MaxDegreeOfParallelism = options.Retrain.Parallelism, CancellationToken = cancellationToken }, async (h, ct) =>
            await oldWindows.GetMeansAsync(h, from, to, ct));
        var oldReadSeconds = clock.Elapsed.TotalSeconds * scale;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  series layout, host by host: {perHostSeconds:0.0} s; earlier layout, host by host: {oldReadSeconds:0.0} s (both measured on {oldFleet.Hosts:N0} hosts, scaled to {fleet.Hosts:N0})"));
        // An incremental retrain reads the newest days only (the new periods and a replay sample of the history).
        var incrementalFrom = calendar.PeriodOf(historyEnd - TimeSpan.FromDays(options.IncrementalDays));
        clock.Restart();
        await windows.GetMeansAsync(fleet.HostIds.ToList(), incrementalFrom, to, cancellationToken);
        var incrementalReadSeconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  series layout, all hosts at once, the newest {options.IncrementalDays} days (an incremental retrain's read): {incrementalReadSeconds:0.00} s"));
        var bucketFleet = new BenchmarkFleet("bucket-", Math.Min(fleet.Hosts, 1_000), calendar, historyEnd, options.Days);
        var (weekRowsSeconds, dayRowsSeconds) = await BucketSizesAsync(storage, bucketFleet, from, to, cancellationToken);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  all at once, {bucketFleet.Hosts:N0} hosts in tables of their own: week rows {weekRowsSeconds:0.00} s, day rows {dayRowsSeconds:0.00} s ({dayRowsSeconds / weekRowsSeconds:0.0}x)"));

        var retrainHosts = Math.Min(options.RetrainHosts ?? fleet.Hosts, fleet.Hosts);
        var retrainHostStore = hosts;
        if (retrainHosts < fleet.Hosts)
        {
            retrainHostStore = new HostStateStore(storage.Tables.GetTableClient("benchretrainhosts"));
            await retrainHostStore.Table.CreateIfNotExistsAsync(cancellationToken);
            await retrainHostStore.TouchAsync(fleet.HostIds.Take(retrainHosts), now, cancellationToken);
        }

        var models = new ModelStore(storage.Blobs.GetBlobContainerClient(storage.Names.ModelContainer), storage.Table(n => n.Models));
        var service = new RetrainService(
            windows,
            models,
            retrainHostStore,
            new SettingsStore(storage.Table(n => n.Settings), time),
            time,
            NullLogger<RetrainService>.Instance,
            options.Retrain);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  retraining {retrainHosts:N0} hosts ({options.Retrain.Epochs} epochs, parallelism {options.Retrain.Parallelism})"));
        clock.Restart();
        var retrain = await service.RetrainFleetAsync(cancellationToken);
        var retrainSeconds = clock.Elapsed.TotalSeconds;
        var trained = retrain.Hosts.Where(r => r.HoldoutMae is not null).ToList();
        var meanMae = trained.Count == 0 ? double.NaN : trained.Average(r => r.HoldoutMae!.Value);
        var meanBaseline = trained.Count == 0 ? double.NaN : trained.Average(r => r.BaselineMae!.Value);
        // The earlier layout's retrain: the same training, with its reads instead of the series layout's per-host ones.
        var oldRetrainSeconds = retrainSeconds + (oldReadSeconds - perHostSeconds) * retrainHosts / fleet.Hosts;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {retrain.Trained:N0} models stored in {retrainSeconds:0.0} s; mean held-out MAE {meanMae:0.0000} (last value {meanBaseline:0.0000})"));
        // An incremental retrain right after: every host has a bundle and the fleet model is fresh, so the service
        // plans an incremental run (the newest periods and a replay sample, networks warm-started).
        clock.Restart();
        var incremental = await service.RetrainFleetAsync(cancellationToken);
        double? incrementalRetrainSeconds = incremental.Full ? null : clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  then an incremental retrain: {incremental.Trained:N0} models in {clock.Elapsed.TotalSeconds:0.0} s{(incremental.Full ? " (the service planned a full one: not counted as incremental)" : "")}"));
        if (retrainHostStore != hosts)
        {
            // The fleet's hosts table learns the versions too, so that the evaluation reads the retrained models.
            await Parallel.ForEachAsync(retrain.Hosts.Where(r => r.Version is not null), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (r, ct) =>
                await hosts.UpdateModelAsync(r.HostId, r.Version!, r.HoldoutMae, "Training", now, ct));
        }

        // 4. Evaluate: one cycle right after the period the agents' batches fell in (every host measured in it).
        var cycleTime = calendar.StartOf(calendar.Next(calendar.PeriodOf(historyEnd))) + TimeSpan.FromMinutes(1);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evaluate: one cycle of {fleet.Hosts:N0} hosts"));
        var evaluate = await EvaluateRun.RunAsync(
            storage, windows, hosts, models, oldWindows, oldHosts, oldFleet.HostIds, fleet.Hosts, new EvaluateRun.StoppedClock(cycleTime), progress, cancellationToken);

        return new PipelineBenchmarkResult(
            fleet.Hosts, options.Days, fleet.HistoryPeriods, oldFleet.Hosts,
            historySeconds, oldHistorySeconds * scale,
            ingest.Samples, ingest.Messages, ingest.SamplesPerSecond, oldIngest.SamplesPerSecond,
            queueCeiling.SamplesPerSecond, store, oldStore,
            readSeconds, perHostSeconds, oldReadSeconds, bucketFleet.Hosts, weekRowsSeconds, dayRowsSeconds,
            retrainHosts, retrainSeconds, oldRetrainSeconds, incrementalRetrainSeconds,
            retrain.Trained, meanMae, meanBaseline,
            evaluate.Seconds, evaluate.ReadSeconds, evaluate.PlanSeconds, evaluate.Decisions, evaluate.OldLayoutSeconds,
            options.IncrementalDays, incrementalReadSeconds, batchJsonBytes, (batchJsonBytes + 2) / 3 * 4);
    }

    /// <summary>
    /// The bucket size of the series layout, measured: the same history in week rows and in day rows, each in a table
    /// of its own, read all at once (the retrain read). Returns both times.
    /// </summary>
    private static async Task<(double WeekRows, double DayRows)> BucketSizesAsync(
        PrescientStorage storage, BenchmarkFleet fleet, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var seconds = new List<double>();
        foreach (var (table, windowsPerBucket) in new[] { ("benchweekrows", 504), ("benchdayrows", 72) })
        {
            var client = storage.Tables.GetTableClient(table);
            await client.CreateIfNotExistsAsync(cancellationToken);
            var store = new WindowStore(client, PeriodCalendar.Default, WorkloadMeasure.Cpu, null, windowsPerBucket);
            foreach (var group in Enumerable.Range(0, fleet.Hosts).Chunk(250))
            {
                await store.ApplyAsync(group.ToDictionary(h => fleet.HostIds[h], h => (IReadOnlyList<TelemetrySample>)fleet.History(h), StringComparer.Ordinal), cancellationToken);
            }

            var clock = Stopwatch.StartNew();
            await store.GetMeansAsync(fleet.HostIds.ToList(), from, to, cancellationToken);
            seconds.Add(clock.Elapsed.TotalSeconds);
        }

        return (seconds[0], seconds[1]);
    }

    /// <summary>
    /// Batches <paramref name="firstBatch"/> onwards (<paramref name="batches"/> of them) of every host, serialised, handed
    /// to <paramref name="ingest"/> in rounds of <paramref name="round"/> payloads, <paramref name="concurrent"/> rounds at once.
    /// </summary>
    private static async Task<double> StoreOnlyAsync(
        string label,
        BenchmarkFleet fleet,
        int firstBatch,
        int batches,
        Func<(int Host, int Batch), TelemetryBatch> batchOf,
        int concurrent,
        int round,
        Func<IReadOnlyList<IncomingPayload>, CancellationToken, Task<int>> ingest,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var payloads = Enumerable.Range(firstBatch, batches)
            .SelectMany(b => Enumerable.Range(0, fleet.Hosts).Select(h => (Host: h, Batch: b)))
            .Select(item => new IncomingPayload(
                TelemetrySerializer.Serialize(batchOf(item)),
                new PayloadOrigin("bench", item.ToString(), DateTimeOffset.UtcNow)))
            .ToList();
        var counted = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(payloads.Chunk(round), new ParallelOptions { MaxDegreeOfParallelism = concurrent, CancellationToken = cancellationToken }, async (chunk, ct) =>
            Interlocked.Add(ref counted, await ingest(chunk, ct)));
        var rate = counted / clock.Elapsed.TotalSeconds;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label}: {counted:N0} samples counted in {clock.Elapsed.TotalSeconds:0.0} s = {rate:N0} samples/s"));
        return rate;
    }
}
