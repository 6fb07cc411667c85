using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Core.Calendar;
using Prescient.Core.Migration;
using Prescient.Core.Workload;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Settings;
using Prescient.Local.Durable;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Ingest;
using Prescient.Local.Azurite;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;
using Prescient.Simulation.FleetService;

namespace Prescient.Cli.Up;

/// <summary>Settings of the local pipeline (<c>prescient up</c>).</summary>
public sealed record LocalPipelineOptions
{
    /// <summary>Simulated seconds per wall-clock second: 240 makes a 20-minute period pass in 5 s.</summary>
    public double Speed { get; init; } = 240;

    public int Hosts { get; init; } = 16;

    public int Seed { get; init; } = 7;

    /// <summary>A storage account's connection string; null starts Azurite (in memory).</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Azurite's data folder (kept between runs); null keeps everything in memory.</summary>
    public string? AzuriteDataDirectory { get; init; }

    /// <summary>Simulated time of day the run starts at (UTC), on the most recent weekday.</summary>
    public TimeOnly StartTime { get; init; } = new(17, 0);

    /// <summary>Days of telemetry history written before the start, so the networks are trained from the first period.</summary>
    public int HistoryDays { get; init; } = 7;

    /// <summary>Simulated time between retrain runs.</summary>
    public TimeSpan RetrainEvery { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Wall-clock time between two telemetry samples of every host.</summary>
    public TimeSpan AgentInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Port of the API and dashboard on 127.0.0.1; 0 picks a free one.</summary>
    public int ApiPort { get; init; }

    /// <summary>The API token; null generates one.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Folder the dashboard's files are served from.</summary>
    public string DashboardRoot { get; init; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");
}

/// <summary>What the pipeline is doing, for the progress display (counters of the loops, not the summary).</summary>
public sealed record PipelineActivity(DateTimeOffset SimulatedNow, long SamplesPublished, long SamplesIngested, int Cycles, int MigrationsStarted, int Evacuations, int Retrains, string? LastError);

/// <summary>
/// The whole pipeline on one machine (DESIGN.md section 4): Azurite (unless a storage account is given), the durable
/// runtime on it, the fleet simulator service serving the hypervisor endpoints, simulated agents publishing the
/// fleet's telemetry to the Storage queue, ingest / retrain / evaluate loops on a simulated clock, migrations as
/// durable orchestrations, and the operations API with the dashboard on 127.0.0.1.
/// </summary>
public sealed partial class LocalPipeline : IAsyncDisposable
{
    private readonly List<Func<ValueTask>> _cleanup = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _deciding = new();
    private SequentialEvacuationScheduler? _scheduler;
    private readonly List<Task> _loops = [];
    private readonly List<Task> _deciders = [];
    private readonly ILogger _logger;

    // Ingest touches the host rows that evaluate updates with their ETag: the two take turns, so an evaluation cycle
    // is not lost to a concurrent ingest batch.
    private readonly SemaphoreSlim _hostRows = new(1, 1);
    private long _published;
    private long _ingested;
    private int _cycles;
    private int _migrationsStarted;
    private int _evacuations;
    private int _retrains;
    private string? _lastError;

    private LocalPipeline(LocalPipelineOptions options, ILoggerFactory loggerFactory)
    {
        Options = options;
        LoggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LocalPipeline>();
    }

    public LocalPipelineOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public SimClock Clock { get; private set; } = null!;

    public DemoFleet Fleet { get; private set; } = null!;

    public FleetSimulatorService FleetService { get; private set; } = null!;

    public LocalDurableRuntime Durable { get; private set; } = null!;

    public PrescientStorage Storage { get; private set; } = null!;

    public LocalApiHost Api { get; private set; } = null!;

    /// <summary>The dashboard's address (the API token travels in the fragment, which is never sent to the server).</summary>
    public Uri DashboardUri => new(Api.BaseAddress, "api/dashboard/#token=" + Uri.EscapeDataString(Api.Token));

    /// <summary>True when Azurite was started for this run.</summary>
    public bool UsesAzurite { get; private set; }

    public PipelineActivity Activity => new(
        Clock.GetUtcNow(), Interlocked.Read(ref _published), Interlocked.Read(ref _ingested), _cycles, _migrationsStarted, _evacuations, _retrains, _lastError);

    internal WindowStore Windows { get; private set; } = null!;

    internal HostStateStore HostStates { get; private set; } = null!;

    /// <summary>Starts everything; <paramref name="stage"/> hears each start-up stage.</summary>
    public static async Task<LocalPipeline> StartAsync(
        LocalPipelineOptions options, ILoggerFactory? loggerFactory = null, Action<string>? stage = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (stage is not null)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var report = stage;
            stage = s => report(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{watch.Elapsed.TotalSeconds,5:F1} s] {s}"));
        }

        var pipeline = new LocalPipeline(options, loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        try
        {
            await pipeline.StartCoreAsync(stage ?? (_ => { }), cancellationToken);
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(Action<string> stage, CancellationToken cancellationToken)
    {
        var connection = Options.StorageConnectionString;
        var runId = DateTimeOffset.UtcNow.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var names = new StorageNames();
        var taskHub = "prescientup";
        if (connection is null)
        {
            stage("Starting Azurite (installs it with npm on first use)");
            var azurite = await AzuriteProcess.StartAsync(Options.AzuriteDataDirectory, cancellationToken: cancellationToken);
            _cleanup.Add(() => azurite.DisposeAsync());
            connection = azurite.ConnectionString;
            UsesAzurite = true;
            if (Options.AzuriteDataDirectory is not null)
            {
                // A kept data folder: every run starts on fresh tables and a fresh task hub.
                names = new StorageNames("up" + runId);
                taskHub = "up" + runId;
            }
        }
        else
        {
            names = new StorageNames("up" + runId);
            taskHub = "up" + runId;
        }

        Clock = new SimClock(TimeProvider.System, Options.Speed, StartOf(DateTimeOffset.UtcNow, Options.StartTime));
        Fleet = DemoFleet.Create(Options.Hosts, Options.Seed);

        stage("Creating tables, queue and blob container");
        Storage = PrescientStorage.FromConnectionString(connection, names);
        await Storage.EnsureCreatedAsync(cancellationToken);
        var calendar = PeriodCalendar.Default;
        Windows = new WindowStore(Storage.Table(n => n.Windows), calendar, WorkloadMeasure.Cpu);
        HostStates = new HostStateStore(Storage.Table(n => n.Hosts));
        var settings = new SettingsStore(Storage.Table(n => n.Settings), Clock);
        var decisions = new DecisionStore(Storage.Table(n => n.Decisions));
        var models = new ModelStore(Storage.Blobs.GetBlobContainerClient(Storage.Names.ModelContainer), Storage.Table(n => n.Models));
        var deadLetters = new DeadLetterStore(Storage.Table(n => n.DeadLetters), Clock);
        var queue = Storage.Queues.GetQueueClient(Storage.Names.TelemetryQueue);

        stage($"Writing {Options.HistoryDays} days of telemetry history for {Fleet.HostIds.Count} hosts");
        await BootstrapHistoryAsync(cancellationToken);

        stage("Training every host's network on its history");
        var retrain = new RetrainService(Windows, models, HostStates, settings, Clock, LoggerFactory.CreateLogger<RetrainService>());
        await retrain.RetrainFleetAsync(cancellationToken);
        _retrains++;

        stage("Starting the fleet simulator service (hypervisor endpoints on 127.0.0.1)");
        var fleetSecret = Secret();
        FleetService = await FleetSimulatorService.StartAsync(
            new FleetServiceOptions
            {
                Acceleration = Options.Speed,
                FleetSecret = fleetSecret,
                AdminToken = Secret(),
                DestinationReplyTimeout = TimeSpan.FromMilliseconds(500),
                MaxHang = TimeSpan.FromSeconds(10),
            },
            Fleet.HostSpecs(),
            Fleet.VmSpecs(Clock.GetUtcNow()),
            cancellationToken: cancellationToken);
        _cleanup.Add(() => FleetService.DisposeAsync());

        stage("Starting the durable runtime (task hub on Azure Storage, gRPC sidecar on 127.0.0.1)");
        var tables = Storage.Tables;
        Durable = await LocalDurableRuntime.StartAsync(
            new LocalDurableRuntimeOptions { StorageConnectionString = connection, TaskHubName = taskHub },
            registry => registry.AddMigrationTasks(),
            services => services
                .AddSingleton<IHostPowerStateRecorder>(new HostStatePowerRecorder(HostStates))
                .AddPrescientMigrations(
                    tables,
                    o =>
                    {
                        o.FleetBaseUri = FleetService.BaseAddress;
                        o.FleetSecret = fleetSecret;
                        o.AttemptTimeout = TimeSpan.FromSeconds(5);
                    },
                    Fleet.HostIds,
                    o => o.Policy = MigrationPolicy()),
            LoggerFactory,
            cancellationToken);
        _cleanup.Add(() => Durable.DisposeAsync());
        var hypervisor = Durable.Services.GetRequiredService<IHypervisorClient>();
        var scheduler = new SequentialEvacuationScheduler(
            Durable.Services.GetRequiredService<IMigrationScheduler>(),
            Durable.Client,
            hypervisor,
            LoggerFactory.CreateLogger<SequentialEvacuationScheduler>(),
            _stopping.Token);
        _scheduler = scheduler;
        var records = Durable.Services.GetRequiredService<IMigrationRecordStore>();

        stage("Starting the operations API and the dashboard on 127.0.0.1");
        var readModels = new LocalReadModels(this, decisions, models, records, hypervisor, settings, Storage.Tables.GetTableClient(MigrationRecordStore.DefaultTableName));
        Api = await LocalApiHost.StartAsync(
            readModels,
            new SettingsHandler(settings, new SettingsAuditLog(settings)),
            Options.ApiToken ?? BearerTokenAuthorizer.GenerateToken(),
            Clock,
            Options.DashboardRoot,
            Options.ApiPort,
            LoggerFactory,
            cancellationToken);
        _cleanup.Add(() => Api.DisposeAsync());

        var ingestor = new TelemetryIngestor(new TelemetryValidator(Clock), Windows, deadLetters, HostStates, Clock, LoggerFactory.CreateLogger<TelemetryIngestor>());
        var drainer = new QueueTelemetryDrainer(queue, ingestor, LoggerFactory.CreateLogger<QueueTelemetryDrainer>());
        var reader = new FleetSnapshotReader(Windows, models, HostStates, settings, scheduler, records, LoggerFactory.CreateLogger<FleetSnapshotReader>(), new EvaluateOptions());
        var evaluate = new EvaluateService(reader, HostStates, decisions, scheduler, calendar, Clock, LoggerFactory.CreateLogger<EvaluateService>());
        var publisher = new QueueTelemetryPublisher(queue);

        stage("Starting agents, ingest, evaluate and retrain");
        var token = _stopping.Token;
        Clock.Start();
        _loops.Add(Task.Run(() => AgentsLoopAsync(publisher, token), CancellationToken.None));
        _loops.Add(Task.Run(() => IngestLoopAsync(drainer, token), CancellationToken.None));
        var deciding = CancellationTokenSource.CreateLinkedTokenSource(token, _deciding.Token);
        _cleanup.Add(() =>
        {
            deciding.Dispose();
            return ValueTask.CompletedTask;
        });
        _deciders.Add(Task.Run(() => EvaluateLoopAsync(evaluate, calendar, deciding.Token, token), CancellationToken.None));
        _deciders.Add(Task.Run(() => RetrainLoopAsync(retrain, deciding.Token, token), CancellationToken.None));
    }

    /// <summary>The run's simulated start: the given time of day on the most recent weekday (so a day of work is ahead).</summary>
    public static DateTimeOffset StartOf(DateTimeOffset now, TimeOnly timeOfDay)
    {
        var date = DateOnly.FromDateTime(now.UtcDateTime);
        while (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            date = date.AddDays(-1);
        }

        return new DateTimeOffset(date.ToDateTime(timeOfDay), TimeSpan.Zero);
    }

    /// <summary>Migration timeouts and polling sized for a simulated fleet on loopback.</summary>
    public static MigrationPolicy MigrationPolicy() => new()
    {
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(30),
            Prepare = TimeSpan.FromSeconds(10),
            RoundCall = TimeSpan.FromSeconds(10),
            Round = TimeSpan.FromSeconds(60),
            Quiesce = TimeSpan.FromSeconds(10),
            Resume = TimeSpan.FromSeconds(10),
            Finish = TimeSpan.FromSeconds(30),
            Abort = TimeSpan.FromSeconds(20),
        },
        Retry = new RetrySettings { MaxAttempts = 5, FirstRetryInterval = TimeSpan.FromMilliseconds(200), BackoffCoefficient = 2, MaxRetryInterval = TimeSpan.FromSeconds(2) },
        PollInterval = TimeSpan.FromMilliseconds(500),
        MinPollInterval = TimeSpan.FromMilliseconds(100),
        LeaseDuration = TimeSpan.FromMinutes(30),
    };

    private async Task BootstrapHistoryAsync(CancellationToken cancellationToken)
    {
        var calendar = Windows.Calendar;
        var start = Clock.Epoch - TimeSpan.FromDays(Options.HistoryDays);
        var first = calendar.PeriodOf(start);
        var last = calendar.PeriodOf(Clock.Epoch);
        await HostStates.TouchAsync(Fleet.HostIds, Clock.Epoch, cancellationToken);
        await Parallel.ForEachAsync(
            Fleet.HostIds,
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (hostId, ct) =>
            {
                var vms = Fleet.Vms.Where(v => v.HostId == hostId).ToList();
                var samples = new List<TelemetrySample>();
                long sequence = 0;
                for (var period = first; period != last; period = calendar.Next(period))
                {
                    var at = calendar.StartOf(period) + (calendar.PeriodLength / 2);
                    samples.Add(Sample(++sequence, at, vms.Select(v => (v, DemoFleet.Load(v, at))).ToList()));
                }

                await Windows.ApplyAsync(hostId, samples, ct);
                await HostStates.SetInventoryAsync(hostId, 1.0, DemoFleet.HostMemoryMb, ct);
            });
    }

    private static TelemetrySample Sample(long sequence, DateTimeOffset at, IReadOnlyList<(DemoVm Vm, double Load)> running, double extra = 0)
    {
        var cpu = Math.Clamp(running.Sum(r => r.Load) + extra, 0, 1);
        var memory = Math.Clamp(running.Sum(r => r.Vm.MemoryMb) / DemoFleet.HostMemoryMb, 0, 1);
        return new TelemetrySample(sequence, at, cpu, memory, 0.05,
            running.Select(r => new VmSample(r.Vm.VmId, Math.Clamp(r.Load, 0, 1), r.Vm.MemoryMb, r.Vm.DirtyRateMBps)).ToList());
    }

    /// <summary>
    /// The simulated agents: every tick, each VM's demand follows its trace in the fleet simulator, and each powered
    /// host publishes one sample (host load as the simulator measures it, with its running VMs) to the telemetry queue.
    /// A host in reduced power has no running agent and publishes nothing.
    /// </summary>
    private async Task AgentsLoopAsync(QueueTelemetryPublisher publisher, CancellationToken cancellationToken)
    {
        var byId = Fleet.Vms.ToDictionary(v => v.VmId, StringComparer.Ordinal);
        var sequences = Fleet.HostIds.ToDictionary(h => h, _ => 1_000_000L, StringComparer.Ordinal);
        var powered = Fleet.HostIds.ToDictionary(h => h, _ => PowerState.On, StringComparer.Ordinal);
        using var timer = new PeriodicTimer(Options.AgentInterval);
        do
        {
            try
            {
                var now = Clock.GetUtcNow();
                foreach (var vm in Fleet.Vms)
                {
                    FleetService.Model.UpdateVm(vm.VmId, new VmUpdate(null, DemoFleet.CpuCores(vm, now)));
                }

                var batches = new List<TelemetryBatch>();
                foreach (var hostId in Fleet.HostIds)
                {
                    var status = FleetService.Model.Status(hostId).Value!;
                    if (status.PowerState != powered[hostId])
                    {
                        powered[hostId] = status.PowerState;
                        await HostStates.SetPowerStateAsync(hostId, status.PowerState == PowerState.On ? "On" : "Sleeping", cancellationToken);
                    }

                    if (status.PowerState != PowerState.On)
                    {
                        continue;
                    }

                    var running = status.Vms.Where(v => v.State == VmRunState.Running && byId.ContainsKey(v.VmId))
                        .Select(v => (byId[v.VmId], v.Cpu / status.CpuCapacity)).ToList();
                    var sample = Sample(++sequences[hostId], now, running);
                    // The simulator's measured load includes the cost of migrations in flight.
                    batches.Add(TelemetryBatch.Create(hostId, [sample with { Cpu = Math.Clamp(status.MeasuredLoad, 0, 1) }]));
                }

                await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
                    async (batch, ct) => await publisher.PublishAsync(batch, ct));
                Interlocked.Add(ref _published, batches.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("agents", e);
            }
        }
        while (await Tick(timer, cancellationToken));
    }

    private async Task IngestLoopAsync(QueueTelemetryDrainer drainer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(300));
        do
        {
            try
            {
                await _hostRows.WaitAsync(cancellationToken);
                try
                {
                    var result = await drainer.DrainAsync(500, cancellationToken);
                    Interlocked.Add(ref _ingested, result.Accepted);
                }
                finally
                {
                    _hostRows.Release();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("ingest", e);
            }
        }
        while (await Tick(timer, cancellationToken));
    }

    /// <summary>
    /// One evaluation cycle per period, shortly after it starts (so the closed period's last samples are ingested):
    /// the controller per host, decisions, migrations and evacuations handed to the durable scheduler.
    /// </summary>
    private async Task EvaluateLoopAsync(EvaluateService evaluate, PeriodCalendar calendar, CancellationToken deciding, CancellationToken cancellationToken)
    {
        var grace = TimeSpan.FromSeconds(Math.Max(1.5, Options.AgentInterval.TotalSeconds * 2));
        PeriodKey? done = null;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await Tick(timer, deciding))
        {
            var now = Clock.GetUtcNow();
            var current = calendar.PeriodOf(now);
            if (done == current || now - calendar.StartOf(current) < grace * Clock.Speed)
            {
                continue;
            }

            try
            {
                EvaluationCycleResult result;
                await _hostRows.WaitAsync(cancellationToken);
                try
                {
                    result = await evaluate.RunCycleAsync(cancellationToken);
                }
                finally
                {
                    _hostRows.Release();
                }

                done = current;
                _cycles++;
                _migrationsStarted += result.MigrationsStarted;
                _evacuations += result.EvacuationsStarted;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("evaluate", e);
            }
        }
    }

    private async Task RetrainLoopAsync(RetrainService retrain, CancellationToken deciding, CancellationToken cancellationToken)
    {
        var next = Clock.GetUtcNow() + Options.RetrainEvery;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await Tick(timer, deciding))
        {
            if (Clock.GetUtcNow() < next)
            {
                continue;
            }

            try
            {
                await retrain.RetrainFleetAsync(cancellationToken);
                _retrains++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed("retrain", e);
            }

            next = Clock.GetUtcNow() + Options.RetrainEvery;
        }
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Failed(string loop, Exception e)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _lastError = $"{loop}: {e.GetType().Name}: {e.Message}";
        LogLoopFailed(_logger, e, loop);
    }

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    /// <summary>
    /// Stops deciding (no new evaluation cycles, so no new migrations) and waits, at most <paramref name="timeout"/>,
    /// for evacuations and migrations in flight to finish, so that what the API reports next is a settled fleet.
    /// Agents and ingest keep running.
    /// </summary>
    public async Task StopDecidingAsync(TimeSpan timeout)
    {
        await _deciding.CancelAsync();
        try
        {
            await Task.WhenAll(_deciders);
        }
        catch (OperationCanceledException)
        {
            // The run is stopping altogether.
        }

        var records = Durable.Services.GetRequiredService<IMigrationRecordStore>();
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var running = (await records.ListAsync(5000)).Any(r => r.Result == MigrationResult.Running);
            if (!running && _scheduler?.Evacuating == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Stops the loops, then the API, the durable runtime (in-flight work finishes), the fleet and Azurite.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _deciding.CancelAsync();
        try
        {
            await Task.WhenAll(_loops.Concat(_deciders)).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Stopping regardless.
        }

        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                await _cleanup[i]();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogStopFailed(_logger, e);
            }
        }

        _cleanup.Clear();
        _stopping.Dispose();
        _deciding.Dispose();
        _hostRows.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Loop} loop failed; it tries again at its next tick")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string loop);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A component failed to stop cleanly")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);
}
