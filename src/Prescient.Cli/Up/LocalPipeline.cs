using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Local.Azurite;
using Prescient.Local.Durable;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Simulation.FleetService;
using Prescient.Telemetry;

namespace Prescient.Cli.Up;

/// <summary>
/// The whole pipeline on one machine (docs/up.md), composed by <see cref="UpServices"/> with the Functions
/// app's registrations: Azurite (unless a storage account is given), the fleet simulator serving the hypervisor
/// endpoints, the local durable runtime, simulated agents, ingest / retrain / evaluate loops on a simulated clock,
/// migrations and evacuations as durable workflows, and the operations API with the dashboard on 127.0.0.1. With a
/// data folder a restart resumes the run: the same tables and task hub (workflows resume from their checkpoints), the
/// simulated hosts as they were, the simulated time where it stopped; what no workflow will finish is reconciled.
/// </summary>
public sealed partial class LocalPipeline : IAsyncDisposable
{
    private const string TaskHub = "prescientup";

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _deciding = new();
    private CancellationTokenSource? _decidingOrStopping;
    private readonly List<Task> _loops = [];
    private readonly List<Task> _deciders = [];
    private readonly ILogger _logger;
    private readonly Action<string> _notice;
    private AzuriteProcess? _azurite;
    private WebApplication? _app;
    private LocalDurableRuntime? _durable;
    private UpStateFile? _state;
    private PipelineLoops? _pipelineLoops;
    private SimulatedAgents? _agents;
    private int _stopped;

    private LocalPipeline(LocalPipelineOptions options, ILoggerFactory loggerFactory, Action<string> notice)
    {
        Options = options;
        LoggerFactory = loggerFactory;
        _notice = notice;
        _logger = loggerFactory.CreateLogger<LocalPipeline>();
    }

    public LocalPipelineOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public SimClock Clock { get; private set; } = null!;

    public DemoFleet Fleet { get; private set; } = null!;

    /// <summary>The fleet simulator service (simulated hypervisors only).</summary>
    public FleetSimulatorService FleetService { get; private set; } = null!;

    /// <summary>The real hosts (<see cref="DemoHypervisor.Qemu"/> only).</summary>
    public QemuDemoFleet? QemuFleet { get; private set; }

    /// <summary>The composed services (the same registrations as the Functions app).</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>The API's address, e.g. http://127.0.0.1:7071/.</summary>
    public Uri ApiAddress { get; private set; } = null!;

    public string ApiToken { get; private set; } = null!;

    /// <summary>The dashboard's address (the API token travels in the fragment, which is never sent to the server).</summary>
    public Uri DashboardUri => new(ApiAddress, "api/dashboard/#token=" + Uri.EscapeDataString(ApiToken));

    /// <summary>Azurite's endpoints and where it keeps its data, or null with a storage account.</summary>
    public string? StorageDescription { get; private set; }

    /// <summary>When the run began (simulated): this start, or the first start of a resumed run.</summary>
    public DateTimeOffset RunStartedAt { get; private set; }

    /// <summary>True when this start resumed an earlier run from the data folder.</summary>
    public bool Resumed { get; private set; }

    /// <summary>What the start-up reconciliation found (after a crash: workflows resumed, records settled, leases released).</summary>
    public ReconcileResult? Reconciled { get; private set; }

    public PipelineActivity Activity => new(
        Clock.GetUtcNow(), _agents?.Published ?? 0, _pipelineLoops?.Ingested ?? 0, _pipelineLoops?.Cycles ?? 0, _pipelineLoops?.MigrationsStarted ?? 0,
        _pipelineLoops?.Evacuations ?? 0, _pipelineLoops?.Retrains ?? 0, _pipelineLoops?.PeriodsBehind ?? 0, _pipelineLoops?.LastError);

    /// <summary>Starts everything; <paramref name="stage"/> hears each start-up stage, <paramref name="notice"/> what happens later (falling behind).</summary>
    public static async Task<LocalPipeline> StartAsync(
        LocalPipelineOptions options,
        ILoggerFactory? loggerFactory = null,
        Action<string>? stage = null,
        Action<string>? notice = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (stage is not null)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var report = stage;
            stage = s => report(string.Create(CultureInfo.InvariantCulture, $"[{watch.Elapsed.TotalSeconds,5:F1} s] {s}"));
        }

        var pipeline = new LocalPipeline(options, loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, notice ?? (_ => { }));
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
        var prefix = "";
        if (connection is null)
        {
            stage("Starting Azurite (installs it with npm on first use)");
            _azurite = await AzuriteProcess.StartAsync(Options.AzuriteDataDirectory, cancellationToken: cancellationToken);
            connection = _azurite.ConnectionString;
            StorageDescription = $"Azurite ({_azurite.Endpoints}), data {(Options.AzuriteDataDirectory is { } data ? "in " + data : "in memory")}" +
                (_azurite.OrphanStopped is { } orphan ? $"; stopped Azurite pid {orphan} left on the folder by a run that crashed" : "");
        }
        else
        {
            // A shared account: this run's tables, queue, blobs and task hub get a prefix of their own.
            prefix = "up" + DateTimeOffset.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        }

        var previous = Options.AzuriteDataDirectory is { } folder && Options.StorageConnectionString is null ? UpStateFile.Load(folder) : null;
        if (previous is not null && (previous.Hosts != Options.Hosts || previous.Seed != Options.Seed))
        {
            throw new InvalidOperationException(
                $"The data folder holds a run of {previous.Hosts} hosts (seed {previous.Seed}); start it with --hosts {previous.Hosts}, or use another --data folder.");
        }

        Resumed = previous is not null;
        var epoch = previous?.SimulatedNow ?? StartOf(DateTimeOffset.UtcNow, Options.StartTime);
        RunStartedAt = previous?.RunStartedAt ?? epoch;
        Clock = new SimClock(TimeProvider.System, Options.Speed, epoch);
        var qemu = Options.Hypervisor == DemoHypervisor.Qemu;
        Fleet = qemu ? DemoFleet.CreateQemu() : DemoFleet.Create(Options.Hosts, Options.Seed);
        var fleetSecret = Secret();
        Action<HypervisorClientOptions> hypervisors;
        IDemoHosts demoHosts;
        if (qemu)
        {
            stage("Starting one agent endpoint per host on 127.0.0.1 (QEMU over QMP)");
            QemuFleet = await QemuDemoFleet.StartAsync(Fleet, Options.GuestDirectory ?? QemuDemoFleet.DefaultGuestDirectory(), fleetSecret, LoggerFactory, cancellationToken);
            demoHosts = QemuFleet;
            hypervisors = o =>
            {
                foreach (var (hostId, uri) in QemuFleet.BaseUris)
                {
                    o.HostBaseUris[hostId] = uri;
                }

                o.FleetSecret = fleetSecret;
                o.AttemptTimeout = TimeSpan.FromSeconds(60);
            };
        }
        else
        {
            stage(Resumed ? "Starting the fleet simulator with the hosts as the last run left them" : "Starting the fleet simulator service (hypervisor endpoints on 127.0.0.1)");
            FleetService = await FleetSimulatorService.StartAsync(
                new FleetServiceOptions
                {
                    Acceleration = Options.Speed,
                    FleetSecret = fleetSecret,
                    AdminToken = Secret(),
                    DestinationReplyTimeout = TimeSpan.FromMilliseconds(500),
                    MaxHang = TimeSpan.FromSeconds(10),
                },
                Fleet.HostSpecs(previous?.HostPower),
                Fleet.VmSpecs(epoch, previous?.VmHosts),
                cancellationToken: cancellationToken);
            demoHosts = new SimulatorDemoHosts(Fleet, FleetService);
            var simulator = FleetService.BaseAddress;
            hypervisors = o =>
            {
                o.FleetBaseUri = simulator;
                o.FleetSecret = fleetSecret;
                o.AttemptTimeout = TimeSpan.FromSeconds(5);
            };
            if (Options.AzuriteDataDirectory is { } dataDirectory && Options.StorageConnectionString is null)
            {
                var (vmHosts, hostPower) = UpStateFile.Placement(FleetService.Model.Snapshot());
                _state = new UpStateFile(dataDirectory, new UpState(Options.Hosts, Options.Seed, RunStartedAt, epoch, vmHosts, hostPower));
                FleetService.Model.PlacementChanged = _state.SavePlacement;
            }
        }

        stage("Composing the pipeline (the Functions app's registrations; options validated)");
        var durable = new DeferredDurableClientProvider();
        ApiToken = Options.ApiToken ?? BearerTokenAuthorizer.GenerateToken();
        _app = UpServices.Build(Options, connection, prefix, Clock, hypervisors, ApiToken, durable, LoggerFactory);
        var services = _app.Services;
        var pipelineOptions = services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        _ = services.GetRequiredService<IOptions<MigrationOptions>>().Value;
        await services.GetRequiredService<PrescientStorage>().EnsureCreatedAsync(cancellationToken);
        var retrain = services.GetRequiredService<RetrainService>();
        if (!Resumed)
        {
            stage($"Writing {Options.HistoryDays} days of telemetry history for {Fleet.HostIds.Count} hosts");
            await HistoryBootstrap.WriteAsync(Fleet, services.GetRequiredService<WindowStore>(), services.GetRequiredService<HostStateStore>(), epoch, Options.HistoryDays, cancellationToken);
            stage("Training every host's network on its history");
            await retrain.RetrainFleetAsync(cancellationToken);
        }
        else
        {
            stage(string.Create(CultureInfo.InvariantCulture, $"Resuming the run from {epoch:ddd HH:mm} (simulated; begun {RunStartedAt:ddd HH:mm})"));
        }

        stage("Starting the durable runtime (task hub on Azure Storage, gRPC sidecar on 127.0.0.1)");
        _durable = await LocalDurableRuntime.StartAsync(
            new LocalDurableRuntimeOptions
            {
                StorageConnectionString = connection,
                TaskHubName = prefix.Length == 0 ? TaskHub : prefix + "hub",
                // After a crash, interrupted work runs again this much later: within the migration steps' timeouts
                // (bookkeeping 60 s), and longer than any one activity (one hypervisor call, or a table write).
                WorkItemVisibilityTimeout = TimeSpan.FromSeconds(40),
                ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
            },
            registry => registry.AddMigrationTasks(),
            worker => worker.AddSingleton(services.GetRequiredService<MigrationActivities>()),
            LoggerFactory,
            cancellationToken);
        durable.Set(_durable.Client);
        if (Resumed)
        {
            stage("Reconciling migrations with the hosts (workflows in flight resume from their checkpoints)");
            Reconciled = await services.GetRequiredService<MigrationReconciler>().ReconcileAsync(cancellationToken);
        }

        stage("Starting the operations API and the dashboard on 127.0.0.1");
        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ApiAddress = new Uri(address.TrimEnd('/') + "/");

        if (QemuFleet is not null)
        {
            // The guests' loads follow the simulated clock from its start on.
            stage("Booting the guests (QEMU, TCG) and starting agents, ingest, evaluate and retrain");
            Clock.Start();
            await QemuFleet.BootGuestsAsync(Fleet, Clock.GetUtcNow(), Clock.Speed, cancellationToken);
        }
        else
        {
            stage("Starting agents, ingest, evaluate and retrain");
        }

        _pipelineLoops = null;
        var hosts = services.GetRequiredService<HostStateStore>();
        _agents = new SimulatedAgents(Fleet, demoHosts, hosts, services.GetRequiredService<ITelemetryPublisher>(), Clock, Options.AgentInterval,
            (loop, e) => _pipelineLoops?.Failed(loop, e), now => _state?.SaveTime(now));
        await _agents.SyncPowerAsync(cancellationToken);
        _pipelineLoops = new PipelineLoops(
            services.GetRequiredService<QueueTelemetryDrainer>(), services.GetRequiredService<EvaluateService>(), retrain,
            services.GetRequiredService<MigrationReconciler>(), _agents, Clock, pipelineOptions.Calendar(), Options.RetrainEvery, _notice,
            LoggerFactory.CreateLogger<PipelineLoops>());
        if (!Resumed)
        {
            _pipelineLoops.CountRetrain();
        }

        var token = _stopping.Token;
        _decidingOrStopping = CancellationTokenSource.CreateLinkedTokenSource(token, _deciding.Token);
        var deciding = _decidingOrStopping.Token;
        Clock.Start();
        _loops.Add(Task.Run(() => _agents.RunAsync(token), CancellationToken.None));
        _loops.Add(Task.Run(() => _pipelineLoops.IngestAsync(token), CancellationToken.None));
        _deciders.Add(Task.Run(() => _pipelineLoops.EvaluateAsync(deciding, token), CancellationToken.None));
        _deciders.Add(Task.Run(() => _pipelineLoops.RetrainAsync(deciding, token), CancellationToken.None));
        _deciders.Add(Task.Run(() => _pipelineLoops.ReconcileAsync(deciding), CancellationToken.None));
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

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
}
