using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Libvirt;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;
using Prescient.Local.Durable;
using Prescient.Pipeline.Migration;
using Xunit.Abstractions;

namespace Prescient.Hypervisor.Tests.RealHypervisor;

/// <summary>
/// Two libvirt daemons on one machine, each as its own host (tools/libvirt/run-daemon.sh: its own mount namespace and
/// host UUID), an agent endpoint over each, and the migration workflow on the Azurite-backed local runtime.
/// </summary>
internal sealed class LibvirtRig : IAsyncDisposable
{
    private const string PeerToken = "libvirt-peer-token-0123456789";
    private readonly List<Process> _daemons = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _http = new();
    private readonly ILoggerFactory _loggers;

    private LibvirtRig(string root, ILoggerFactory loggers)
    {
        Root = root;
        _loggers = loggers;
    }

    public string Root { get; }

    public LibvirtHost H1 { get; private set; } = null!;

    public LibvirtHost H2 { get; private set; } = null!;

    public Virsh V1 { get; private set; } = null!;

    public Virsh V2 { get; private set; } = null!;

    public LocalDurableRuntime Runtime { get; private set; } = null!;

    public IMigrationScheduler Scheduler => Runtime.Services.GetRequiredService<IMigrationScheduler>();

    public IMigrationRecordStore Records => Runtime.Services.GetRequiredService<IMigrationRecordStore>();

    public static string? Missing =>
        !File.Exists("/usr/sbin/libvirtd") ? "libvirt is not installed: apt-get install --no-install-recommends libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients (.ci/run does)."
        : Environment.UserName != "root" ? "Two libvirt daemons on one machine need root (mount namespaces)."
        : RealQemu.Missing;

    public static async Task<LibvirtRig> StartAsync(string storageConnectionString, ITestOutputHelper output, double bandwidthMBps)
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        var root = Path.Combine(Path.GetTempPath(), "lv-" + Guid.NewGuid().ToString("N")[..8]);
        var rig = new LibvirtRig(root, TestOutputLoggerProvider.Factory(output));
        try
        {
            var peers = new Dictionary<string, Uri>(StringComparer.Ordinal);
            var clients = new Dictionary<string, PeerClient>(StringComparer.Ordinal);
            var servers = new Dictionary<string, HypervisorServer>(StringComparer.Ordinal);
            var port = 49500 + Random.Shared.Next(0, 20) * 100;
            foreach (var hostId in new[] { "h1", "h2" })
            {
                var daemonRoot = Path.Combine(root, hostId);
                var socket = Path.Combine(daemonRoot, "run", "libvirt-sock");
                var uri = $"qemu:///system?socket={socket}";
                rig._daemons.Add(Process.Start(new ProcessStartInfo("bash", [Path.Combine(RealQemu.RepositoryRoot, "tools", "libvirt", "run-daemon.sh"), daemonRoot, port.ToString(CultureInfo.InvariantCulture)])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!);
                var virsh = new Virsh("virsh", uri);
                for (var i = 0; !(await virsh.RunAsync("version")).Ok; i++)
                {
                    Assert.True(i < 300, $"libvirtd of {hostId} did not start");
                    await Task.Delay(100);
                }

                var options = new LibvirtHostOptions
                {
                    HostId = hostId,
                    ConnectUri = uri,
                    PeerConnectUri = $"qemu+unix:///system?socket={socket}",
                    MigrationPortMin = port,
                    MigrationPortMax = port + 63,
                    BandwidthMBps = bandwidthMBps,
                    Unsafe = true,
                    CpuCapacity = 2,
                    MemoryMb = 2048,
                    LoadSource = Prescient.Hypervisor.Qemu.LoadSource.OwnedVms,
                    SampleInterval = TimeSpan.FromSeconds(1),
                };
                var client = new PeerClient(rig._http, peers, PeerToken);
                clients[hostId] = client;
                var power = new HostPower(new PowerOptions(), rig._http, rig._loggers.CreateLogger<HostPower>());
                var host = await LibvirtHost.StartAsync(options, power, client, rig._loggers.CreateLogger<LibvirtHost>());
                rig._owned.Add(host);
                var server = await HypervisorServer.StartAsync(
                    new HypervisorServerOptions { Port = 0, HostToken = HostTokens.Derive(QemuRig.FleetSecret, hostId), PeerToken = PeerToken }, host, host, power);
                rig._owned.Insert(0, server);
                peers[hostId] = server.BaseAddress;
                servers[hostId] = server;
                (hostId == "h1" ? (Action)(() => { rig.H1 = host; rig.V1 = virsh; }) : () => { rig.H2 = host; rig.V2 = virsh; })();
                port += 64;
            }

            clients["h1"].SetPeer("h2", peers["h2"]);
            rig.Runtime = await LocalDurableRuntime.StartAsync(
                new LocalDurableRuntimeOptions
                {
                    StorageConnectionString = storageConnectionString,
                    TaskHubName = "l" + Guid.NewGuid().ToString("N")[..10],
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
                        o.FleetSecret = QemuRig.FleetSecret;
                        o.AttemptTimeout = TimeSpan.FromSeconds(150);
                    },
                    o => o.Policy = QemuRig.Policy()));
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>Defines and starts the test guest on h1's daemon; its console log is appended to across the migration.</summary>
    public async Task<string> BootAsync(string name, int dirtyMb, int pagesPerSecond)
    {
        Directory.CreateDirectory(Root);
        var disk = Path.Combine(Root, name + ".raw");
        await using (var file = File.Create(disk))
        {
            file.SetLength(16L << 20);
        }

        var console = Path.Combine(Root, name + ".console");
        var xml = Path.Combine(Root, name + ".xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>{name}</name>
              <memory unit='MiB'>256</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='q35'>hvm</type>
                <kernel>{RealQemu.GuestDirectory}/vmlinux</kernel>
                <initrd>{RealQemu.GuestDirectory}/initramfs.cpio.gz</initrd>
                <cmdline>console=ttyS0 quiet dirty_mb={dirtyMb} dirty_rate={pagesPerSecond}</cmdline>
              </os>
              <features><acpi/></features>
              <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
              <devices>
                <emulator>/usr/bin/{RealQemu.Binary}</emulator>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
                <serial type='file'><source path='{console}' append='on'/><target port='0'/></serial>
                <memballoon model='none'/>
              </devices>
            </domain>
            """);
        Assert.True((await V1.RunAsync("define", xml)).Ok);
        var started = await V1.RunAsync("start", name);
        Assert.True(started.Ok, started.Error);
        await QemuRig.WaitForHeartbeatAsync(console, 2, TimeSpan.FromMinutes(5));
        return console;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var virsh in new[] { V1, V2 }.OfType<Virsh>())
        {
            foreach (var domain in (await virsh.RunAsync("list", "--all", "--name")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await virsh.RunAsync("destroy", domain.Trim());
            }
        }

        if (Runtime is not null)
        {
            await Runtime.DisposeAsync();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var daemon in _daemons)
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
            daemon.Dispose();
        }

        _http.Dispose();
        _loggers.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp.
        }
    }
}

/// <summary>A test against two real libvirt daemons: skipped with the reason on a developer machine without libvirt, run in CI.</summary>
public sealed class RealLibvirtFactAttribute : FactAttribute
{
    public RealLibvirtFactAttribute()
    {
        if (LibvirtRig.Missing is { } problem && !RealQemu.InCi)
        {
            Skip = problem;
        }
    }
}
