using System.Net;
using System.Text.Json;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Prescient.Local.Durable;

/// <summary>Settings of the local durable runtime (the Durable Task Framework's Azure Storage backend, e.g. on Azurite).</summary>
public sealed class LocalDurableRuntimeOptions
{
    public required string StorageConnectionString { get; init; }

    /// <summary>Task hub name (letters and digits, 3-45 characters): its queues, tables and blobs are prefixed with it.</summary>
    public string TaskHubName { get; init; } = "prescient";

    /// <summary>Upper bound of the backend's queue polling back-off; 1 s keeps durable timers and new work prompt locally.</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dequeued activity message stays invisible. The sidecar never renews it, so it must exceed the longest
    /// activity; it is also how long an activity interrupted by a crash waits before it runs again.
    /// </summary>
    public TimeSpan WorkItemVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The same for orchestration (control-queue) messages.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public int PartitionCount { get; init; } = 4;

    /// <summary>Partition lease length: how long another worker waits to take over a crashed worker's partitions.</summary>
    public TimeSpan PartitionLeaseInterval { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxConcurrentActivities { get; init; } = 64;

    public int MaxConcurrentOrchestrations { get; init; } = 64;
}

/// <summary>One event of an orchestration's history (from the backend's history table).</summary>
public sealed record HistoryEntry(int EventId, string EventType, DateTime Timestamp, string? Name, int? TaskScheduledId);

/// <summary>
/// The local durable runtime: the <c>Microsoft.DurableTask</c> worker and client (the code Durable Functions runs)
/// connected through an in-process gRPC sidecar (<see cref="TaskHubGrpcServer"/>, ASP.NET Core, HTTP/2 on loopback)
/// to <see cref="AzureStorageOrchestrationService"/>. On Azurite, orchestrations survive process restarts and their
/// history is in Azurite's tables, as in Azure.
/// </summary>
public sealed class LocalDurableRuntime : IAsyncDisposable
{
    private readonly WebApplication _sidecar;
    private readonly IHost _worker;
    private readonly GrpcChannel _channel;
    private readonly AzureStorageOrchestrationService _backend;
    private readonly StopOnceOrchestrationService _service;
    private int _stopped;

    private LocalDurableRuntime(WebApplication sidecar, IHost worker, GrpcChannel channel, AzureStorageOrchestrationService backend, StopOnceOrchestrationService service, Uri address)
    {
        _sidecar = sidecar;
        _worker = worker;
        _channel = channel;
        _backend = backend;
        _service = service;
        SidecarAddress = address;
    }

    public DurableTaskClient Client => _worker.Services.GetRequiredService<DurableTaskClient>();

    /// <summary>The worker host's services (where the activities' dependencies were registered).</summary>
    public IServiceProvider Services => _worker.Services;

    public Uri SidecarAddress { get; }

    public static async Task<LocalDurableRuntime> StartAsync(
        LocalDurableRuntimeOptions options,
        Action<DurableTaskRegistry> registerTasks,
        Action<IServiceCollection>? configureServices = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registerTasks);
        loggerFactory ??= NullLoggerFactory.Instance;
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            WorkItemQueueVisibilityTimeout = options.WorkItemVisibilityTimeout,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
            UseTablePartitionManagement = true,
            PartitionCount = options.PartitionCount,
            LeaseInterval = options.PartitionLeaseInterval,
            LeaseRenewInterval = TimeSpan.FromTicks(options.PartitionLeaseInterval.Ticks / 3),
            LeaseAcquireInterval = TimeSpan.FromTicks(options.PartitionLeaseInterval.Ticks / 3),
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            LoggerFactory = loggerFactory,
        };
        var backend = new AzureStorageOrchestrationService(settings);

        // The sidecar never creates the task hub itself.
        await backend.CreateIfNotExistsAsync();
        var service = new StopOnceOrchestrationService(backend);

        // Port 0: the kernel picks a free port as Kestrel binds it (no window for another process to take it).
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CallerControlledLifetime>();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var sidecar = builder.Build();
        sidecar.MapGrpcService<TaskHubGrpcServer>();

        // Resolve the server before the host starts so its start-up hook (which starts its dispatchers) is registered.
        _ = sidecar.Services.GetRequiredService<TaskHubGrpcServer>();
        await sidecar.StartAsync(cancellationToken);

        var bound = sidecar.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        var channel = GrpcChannel.ForAddress(address);
        var workerBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        workerBuilder.Services.AddSingleton<IHostLifetime, CallerControlledLifetime>();
        workerBuilder.Services.AddSingleton(loggerFactory);
        workerBuilder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        configureServices?.Invoke(workerBuilder.Services);
        workerBuilder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(registerTasks);
            b.UseGrpc(channel);
        });
        workerBuilder.Services.AddDurableTaskClient(b => b.UseGrpc(channel));
        var worker = workerBuilder.Build();
        await worker.StartAsync(cancellationToken);
        return new LocalDurableRuntime(sidecar, worker, channel, backend, service, address);
    }

    /// <summary>The history of the instance's latest execution, as the backend stored it.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string instanceId)
    {
        var states = await _backend.GetOrchestrationStateAsync(instanceId, allExecutions: false);
        var executionId = states.FirstOrDefault()?.OrchestrationInstance?.ExecutionId;
        if (executionId is null)
        {
            return [];
        }

        var json = await _backend.GetOrchestrationHistoryAsync(instanceId, executionId);
        using var document = JsonDocument.Parse(json);
        var entries = new List<HistoryEntry>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            entries.Add(new HistoryEntry(
                Int(e, "EventId") ?? -1,
                EventTypeName(e),
                e.TryGetProperty("Timestamp", out var t) ? t.GetDateTime() : default,
                e.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null,
                Int(e, "TaskScheduledId")));
        }

        return entries;
    }

    /// <summary>
    /// Stops within <paramref name="timeout"/>: the worker (no new work; in-flight work gets what is left of the
    /// time), the sidecar, then the backend once (its partitions released). Against storage that no longer answers the
    /// backend's stop retries for good: it is abandoned at the deadline (what was checkpointed resumes at the next
    /// start; interrupted activities run again). Later calls do nothing.
    /// </summary>
    /// <returns>False when a part did not stop in time and was abandoned.</returns>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return true;
        }

        using var deadline = new CancellationTokenSource(timeout);
        var clean = await BoundedAsync(() => _worker.StopAsync(deadline.Token), deadline.Token);
        clean &= await BoundedAsync(() => _sidecar.StopAsync(deadline.Token), deadline.Token);
        clean &= await BoundedAsync(() => _service.StopAsync(isForced: false), deadline.Token);
        return clean;
    }

    /// <summary>
    /// Stops as a crash would: no draining, in-flight work items abandoned without completion. What was checkpointed
    /// survives in storage; a new runtime on the same task hub resumes it (interrupted activities run again after the
    /// visibility timeout).
    /// </summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        _channel.Dispose();
        await BoundedAsync(() => _worker.StopAsync(now.Token), now.Token);
        await BoundedAsync(() => _sidecar.StopAsync(now.Token), now.Token);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await BoundedAsync(() => _service.StopAsync(isForced: true), deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _worker.Dispose();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await BoundedAsync(async () => await _sidecar.DisposeAsync(), deadline.Token);
        _channel.Dispose();
    }

    /// <summary>Runs a stop step until it ends, fails, or the deadline passes.</summary>
    private static async Task<bool> BoundedAsync(Func<Task> step, CancellationToken deadline)
    {
        try
        {
            await step().WaitAsync(deadline);
            return true;
        }
        catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
        {
            return true; // It ended by being cancelled.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Out of time (the step goes on, or not, on its own), or it failed: either way the stop goes on.
            return false;
        }
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static string EventTypeName(JsonElement e)
    {
        if (!e.TryGetProperty("EventType", out var v))
        {
            return "Unknown";
        }

        return v.ValueKind == JsonValueKind.Number ? ((DurableTask.Core.History.EventType)v.GetInt32()).ToString() : v.GetString() ?? "Unknown";
    }
}
