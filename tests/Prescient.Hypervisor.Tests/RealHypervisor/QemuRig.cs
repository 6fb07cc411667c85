using System.Globalization;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Power;
using Prescient.Hypervisor.Qemu;
using Prescient.Local.Durable;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Xunit.Abstractions;

namespace Prescient.Hypervisor.Tests.RealHypervisor;

/// <summary>
/// Two hosts on loopback, each an agent endpoint (<see cref="HypervisorServer"/> over a <see cref="QemuHost"/>) owning
/// its QEMU processes, and the real migration workflow on the Azurite-backed local durable runtime calling them.
/// </summary>
internal sealed partial class QemuRig : IAsyncDisposable
{
    public const string FleetSecret = "real-qemu-fleet-secret-0123456789";
    private const string PeerToken = "real-qemu-peer-token-0123456789";
    private readonly HttpClient _http = new();
    private readonly ILoggerFactory _loggers;
    private readonly List<IAsyncDisposable> _owned = [];

    private QemuRig(string root, ILoggerFactory loggers)
    {
        Root = root;
        _loggers = loggers;
    }

    /// <summary>A short folder (unix socket paths are limited) holding both hosts' run and VM folders and the disks.</summary>
    public string Root { get; }

    public QemuHost H1 { get; private set; } = null!;

    public QemuHost H2 { get; private set; } = null!;

    public LocalDurableRuntime Runtime { get; private set; } = null!;

    public IMigrationScheduler Scheduler => Runtime.Services.GetRequiredService<IMigrationScheduler>();

    public IMigrationRecordStore Records => Runtime.Services.GetRequiredService<IMigrationRecordStore>();

    public static MigrationPolicy Policy(PrecopyPolicy? precopy = null) => new()
    {
        Precopy = precopy ?? new PrecopyPolicy(StopWhenDirtyMb: 16, MaxStalledRounds: 3),
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(60),
            Status = TimeSpan.FromSeconds(60),
            Prepare = TimeSpan.FromSeconds(90),
            RoundCall = TimeSpan.FromSeconds(60),
            Round = TimeSpan.FromMinutes(4),
            Quiesce = TimeSpan.FromSeconds(150),
            Resume = TimeSpan.FromSeconds(150),
            Finish = TimeSpan.FromSeconds(60),
            Abort = TimeSpan.FromSeconds(150),
        },
        Retry = new RetrySettings { MaxAttempts = 3, FirstRetryInterval = TimeSpan.FromMilliseconds(500), MaxRetryInterval = TimeSpan.FromSeconds(2) },
        PollInterval = TimeSpan.FromSeconds(1),
        MinPollInterval = TimeSpan.FromMilliseconds(200),
        LeaseDuration = TimeSpan.FromMinutes(30),
    };

    public static async Task<QemuRig> StartAsync(string storageConnectionString, ITestOutputHelper output, Action<QemuHostOptions>? configure = null, MigrationPolicy? policy = null)
    {
        RealQemu.Require();
        var root = Path.Combine(Path.GetTempPath(), "pq-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var rig = new QemuRig(root, TestOutputLoggerProvider.Factory(output));
        try
        {
            var peers = new Dictionary<string, Uri>(StringComparer.Ordinal);
            var clients = new Dictionary<string, Peers.PeerClient>(StringComparer.Ordinal);
            var servers = new Dictionary<string, HypervisorServer>(StringComparer.Ordinal);
            foreach (var hostId in new[] { "h1", "h2" })
            {
                var options = new QemuHostOptions
                {
                    HostId = hostId,
                    QemuBinary = RealQemu.Binary,
                    VmDirectory = Path.Combine(root, hostId, "vms"),
                    RunDirectory = Path.Combine(root, hostId, "run"),
                    DetachVms = false,
                    Autostart = false,
                    BandwidthMBps = 32,
                    CpuCapacity = 2,
                    MemoryMb = 2048,
                    LoadSource = LoadSource.OwnedVms,
                    SampleInterval = TimeSpan.FromSeconds(1),
                    DirtyRateInterval = TimeSpan.Zero,
                    Nice = 10, // CI runs other test assemblies beside these: their timing-bound tests keep the upper hand.
                };
                configure?.Invoke(options);
                var power = new HostPower(new PowerOptions(), rig._http, rig._loggers.CreateLogger<HostPower>());
                var client = new Peers.PeerClient(rig._http, peers, PeerToken);
                clients[hostId] = client;
                var host = await QemuHost.StartAsync(options, power, client, rig._loggers.CreateLogger<QemuHost>());
                rig._owned.Add(host);

                var server = await HypervisorServer.StartAsync(
                    new HypervisorServerOptions { Port = 0, HostToken = HostTokens.Derive(FleetSecret, hostId), PeerToken = PeerToken }, host, host, power);
                rig._owned.Insert(0, server);
                peers[hostId] = server.BaseAddress;
                servers[hostId] = server;
                if (hostId == "h1")
                {
                    rig.H1 = host;
                }
                else
                {
                    rig.H2 = host;
                }
            }

            // h1 learns h2's address now that it listens.
            clients["h1"].SetPeer("h2", peers["h2"]);
            rig.Runtime = await LocalDurableRuntime.StartAsync(
                new LocalDurableRuntimeOptions
                {
                    StorageConnectionString = storageConnectionString,
                    TaskHubName = "q" + Guid.NewGuid().ToString("N")[..10],
                    WorkItemVisibilityTimeout = TimeSpan.FromSeconds(60),
                    ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
                    PartitionLeaseInterval = TimeSpan.FromSeconds(10),
                    PartitionCount = 2,
                    MaxQueuePollingInterval = TimeSpan.FromMilliseconds(200),
                },
                registry => registry.AddMigrationTasks(),
                services => services.AddPrescientMigrationsOnTables(
                    new TableServiceClient(storageConnectionString),
                    o =>
                    {
                        o.HostBaseUris["h1"] = servers["h1"].BaseAddress;
                        o.HostBaseUris["h2"] = servers["h2"].BaseAddress;
                        o.FleetSecret = FleetSecret;
                        o.AttemptTimeout = TimeSpan.FromSeconds(120);
                    },
                    o => o.Policy = policy ?? Policy()));
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>The test guest: <paramref name="dirtyMb"/> MiB rewritten at <paramref name="pagesPerSecond"/> (5120 = 20 MiB/s), a disk for the lock.</summary>
    public QemuVmDefinition Guest(string vmId, int dirtyMb = 64, int pagesPerSecond = 5120, int memoryMb = 256)
    {
        var disk = Path.Combine(Root, vmId + ".raw");
        using (var file = File.Create(disk))
        {
            file.SetLength(16L << 20);
        }

        return new QemuVmDefinition(vmId, memoryMb, 1, "q35", "max", "tcg",
            Kernel: Path.Combine(RealQemu.GuestDirectory, "vmlinux"),
            Initrd: Path.Combine(RealQemu.GuestDirectory, "initramfs.cpio.gz"),
            Append: FormattableString.Invariant($"console=ttyS0 quiet dirty_mb={dirtyMb} dirty_rate={pagesPerSecond}"),
            Disks: [new QemuDisk(disk)]);
    }

    /// <summary>Boots the guest on <paramref name="host"/> and waits for its first heartbeats.</summary>
    public async Task BootAsync(QemuHost host, QemuVmDefinition guest)
    {
        await host.StartVmAsync(guest);
        await WaitForHeartbeatAsync(host.ConsoleLogOf(guest.VmId)!, 2, TimeSpan.FromMinutes(5));
    }

    public static int LastHeartbeat(string consoleLog)
    {
        if (!File.Exists(consoleLog))
        {
            return 0;
        }

        using var stream = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        var matches = HeartbeatPattern().Matches(text);
        return matches.Count == 0 ? 0 : int.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static async Task WaitForHeartbeatAsync(string consoleLog, int above, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (LastHeartbeat(consoleLog) <= above)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No heartbeat above {above} in {consoleLog} within {timeout} (last: {LastHeartbeat(consoleLog)}).");
            }

            await Task.Delay(100);
        }
    }

    public static MigrationRequest Request(string migrationId, string source, string destination, params string[] vmIds) =>
        new(migrationId, source, destination, vmIds, null, "real QEMU test", DateTimeOffset.UtcNow);

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, TimeSpan timeout, Func<OrchestrationMetadata?, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        until ??= s => s is { IsCompleted: true };
        while (true)
        {
            var state = await Runtime.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (until(state))
            {
                return state!;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{instanceId} did not reach the expected state in {timeout}: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs a migration to its end and returns its outcome.</summary>
    public async Task<MigrationOutcome> MigrateAsync(MigrationRequest request, TimeSpan timeout)
    {
        Assert.True((await Scheduler.StartAsync(request, CancellationToken.None)).Started);
        var state = await WaitAsync(MigrationInstanceIds.ForRequest(request), timeout);
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
        return state.ReadOutputAs<MigrationOutcome>()!;
    }

    /// <summary>Waits until QEMU on the source has run at least <paramref name="passes"/> passes of the migration.</summary>
    public static async Task WaitForPassesAsync(QemuHost source, string hypervisorMigrationId, int passes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await source.GetMigrationAsync(hypervisorMigrationId, CancellationToken.None)).Value is not { Rounds: var rounds } || rounds < passes)
        {
            Assert.True(DateTime.UtcNow < deadline, $"QEMU did not reach pass {passes} of {hypervisorMigrationId} within {timeout}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { H1, H2 }.OfType<QemuHost>())
        {
            await host.StopAllVmsAsync();
        }

        if (Runtime is not null)
        {
            await Runtime.DisposeAsync();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        _http.Dispose();
        _loggers.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A QEMU that has not quite exited yet; the folder is in /tmp.
        }
    }

    [GeneratedRegex(@"HB (\d+) ")]
    private static partial Regex HeartbeatPattern();
}
