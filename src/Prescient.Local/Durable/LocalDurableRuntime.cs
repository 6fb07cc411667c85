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
    private readonly AzureStorageOrchestrationService _service;
    private bool _stopped;

    private LocalDurableRuntime(WebApplication sidecar, IHost worker, GrpcChannel channel, AzureStorageOrchestrationService service, Uri address)
    {
        _sidecar = sidecar;
        _worker = worker;
        _channel = channel;
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
        var service = new AzureStorageOrchestrationService(settings);

        // The sidecar never creates the task hub itself.
        await service.CreateIfNotExistsAsync();

        // Port 0: the kernel picks a free port as Kestrel binds it (no window for another process to take it).
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
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
        return new LocalDurableRuntime(sidecar, worker, channel, service, address);
    }

    /// <summary>The history of the instance's latest execution, as the backend stored it.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string instanceId)
    {
        var states = await _service.GetOrchestrationStateAsync(instanceId, allExecutions: false);
        var executionId = states.FirstOrDefault()?.OrchestrationInstance?.ExecutionId;
        if (executionId is null)
        {
            return [];
        }

        var json = await _service.GetOrchestrationHistoryAsync(instanceId, executionId);
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

    /// <summary>Graceful stop: in-flight work finishes, partitions are released.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _worker.StopAsync(cancellationToken);
        await _sidecar.StopAsync(cancellationToken);
        await _service.StopAsync(isForced: false);
    }

    /// <summary>
    /// Stops as a crash would: no draining, in-flight work items abandoned without completion. What was checkpointed
    /// survives in storage; a new runtime on the same task hub resumes it (interrupted activities run again after the
    /// visibility timeout).
    /// </summary>
    public async Task KillAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        _channel.Dispose();
        try
        {
            await _worker.StopAsync(now.Token);
        }
        catch (OperationCanceledException)
        {
            // Expected: nothing waits.
        }

        try
        {
            await _sidecar.StopAsync(now.Token);
        }
        catch (OperationCanceledException)
        {
            // Expected: nothing waits.
        }

        await _service.StopAsync(isForced: true);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (OperationCanceledException)
        {
            // Shutting down regardless.
        }

        _worker.Dispose();
        await _sidecar.DisposeAsync();
        _channel.Dispose();
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
