using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Cli.Up;

/// <summary>
/// The real fleet of <c>prescient up --hypervisor qemu</c>: every demo host is an agent endpoint on loopback
/// (<see cref="HypervisorServer"/> over a <see cref="QemuHost"/>) owning its QEMU processes; its guests are the test
/// guest (tools/guest) whose vCPU load follows the VM's daily profile on the demo's accelerated clock, and whose CPU is
/// measured from the QEMU processes. Powering a host down runs a harmless command (the hosts share this machine).
/// </summary>
public sealed partial class QemuDemoFleet : IAsyncDisposable, IDemoHosts
{
    /// <summary>Each demo host offers one core: its load is its guests' QEMU CPU time per second.</summary>
    public const double CoresPerHost = 1;

    private const int GuestMemoryMb = 128;
    private readonly Dictionary<string, QemuHost> _hosts = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _http = new();
    private readonly string _root;
    private readonly string _guest;

    private QemuDemoFleet(string root, string guest)
    {
        _root = root;
        _guest = guest;
    }

    public IReadOnlyDictionary<string, Uri> BaseUris => _baseUris;

    private readonly Dictionary<string, Uri> _baseUris = new(StringComparer.Ordinal);

    /// <summary>What is missing to run the demo, with the commands that install it; null when everything is there.</summary>
    public static string? MissingPrerequisites(string guestDirectory)
    {
        var problems = new List<string>();
        try
        {
            using var process = Process.Start(new ProcessStartInfo("qemu-system-x86_64", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var version = VersionPattern().Match(process.StandardOutput.ReadToEnd());
            process.WaitForExit();
            if (!version.Success || int.Parse(version.Groups[1].Value, CultureInfo.InvariantCulture) < 9)
            {
                problems.Add("QEMU >= 9.0 is needed (older QEMU corrupts TCG guests' memory under multi-round pre-copy). On Debian 12: bash tools/guest/install-qemu.sh (adds bookworm-backports, apt-get install --no-install-recommends -t bookworm-backports qemu-system-x86).");
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            problems.Add("QEMU is not installed. On Debian 12: bash tools/guest/install-qemu.sh (adds bookworm-backports, apt-get install --no-install-recommends -t bookworm-backports qemu-system-x86).");
        }

        if (!File.Exists(Path.Combine(guestDirectory, "vmlinux")) || !File.Exists(Path.Combine(guestDirectory, "initramfs.cpio.gz")))
        {
            problems.Add($"The test guest is not built in {guestDirectory}: bash tools/guest/build.sh (needs gcc, libc6-dev, xz-utils; downloads a Debian kernel and busybox-static with apt-get).");
        }

        return problems.Count == 0 ? null : string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
    }

    /// <summary>The guest folder: PRESCIENT_GUEST_DIR, or artifacts/guest of the repository this binary was built from.</summary>
    public static string DefaultGuestDirectory()
    {
        if (Environment.GetEnvironmentVariable("PRESCIENT_GUEST_DIR") is { Length: > 0 } dir)
        {
            return dir;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Functions.sln")))
            {
                return Path.Combine(folder.FullName, "artifacts", "guest");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "guest");
    }

    /// <summary>Starts one agent endpoint per host (no guests yet: <see cref="BootGuestsAsync"/> starts them with the clock).</summary>
    public static async Task<QemuDemoFleet> StartAsync(DemoFleet layout, string guestDirectory, string fleetSecret, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var fleet = new QemuDemoFleet(Path.Combine(Path.GetTempPath(), "pu-" + Guid.NewGuid().ToString("N")[..8]), guestDirectory);
        try
        {
            var peerToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            var peers = new PeerClient(fleet._http, new Dictionary<string, Uri>(), peerToken);
            foreach (var hostId in layout.HostIds)
            {
                var options = new QemuHostOptions
                {
                    HostId = hostId,
                    VmDirectory = Path.Combine(fleet._root, hostId, "vms"),
                    RunDirectory = Path.Combine(fleet._root, hostId, "run"),
                    Autostart = false,
                    DetachVms = false,
                    BandwidthMBps = 64,
                    CpuCapacity = CoresPerHost,
                    MemoryMb = 1024,
                    LoadSource = LoadSource.OwnedVms,
                    SampleInterval = TimeSpan.FromSeconds(1),
                    DirtyRateInterval = TimeSpan.FromSeconds(30),
                    Nice = 10, // The pipeline shares the machine with the guests: it keeps the upper hand.
                };
                var power = new HostPower(new PowerOptions { ReduceCommand = ["true"] }, fleet._http, loggers.CreateLogger<HostPower>());
                var host = await QemuHost.StartAsync(options, power, peers, loggers.CreateLogger<QemuHost>(), cancellationToken: cancellationToken);
                fleet._owned.Add(host);
                var server = await HypervisorServer.StartAsync(
                    new HypervisorServerOptions { Port = 0, HostToken = HostTokens.Derive(fleetSecret, hostId), PeerToken = peerToken }, host, host, power, null, cancellationToken);
                fleet._owned.Insert(0, server);
                fleet._hosts[hostId] = host;
                fleet._baseUris[hostId] = server.BaseAddress;
                peers.SetPeer(hostId, server.BaseAddress);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Boots every guest on its host. Each guest's load follows its VM's daily profile from <paramref name="simulatedNow"/>
    /// on, at <paramref name="speed"/> times real time (the guest reads the wall clock QEMU gives it).
    /// </summary>
    public async Task BootGuestsAsync(DemoFleet layout, DateTimeOffset simulatedNow, double speed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var wallNow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        foreach (var vm in layout.Vms)
        {
            var disk = Path.Combine(_root, vm.VmId + ".raw");
            await using (var file = File.Create(disk))
            {
                file.SetLength(8L << 20);
            }

            // The profile's levels are fractions of a one-core host: busy percent of the guest's one vCPU.
            var append = string.Create(CultureInfo.InvariantCulture,
                $"console=ttyS0 quiet dirty_mb=16 dirty_rate={(int)(vm.DirtyRateMBps * 256)} cpu_min={vm.Profile.Night * 100:0.#} cpu_max={vm.Profile.Peak * 100:0.#} cpu_peak={vm.Profile.PeakHour:0.##} cpu_width={vm.Profile.WidthHours:0.##} cpu_t0={wallNow:0.###} cpu_hour0={simulatedNow.UtcDateTime.TimeOfDay.TotalHours:0.####} cpu_speed={speed:0.###}");
            var definition = new QemuVmDefinition(vm.VmId, GuestMemoryMb, 1, "q35", "max", "tcg",
                Kernel: Path.Combine(_guest, "vmlinux"), Initrd: Path.Combine(_guest, "initramfs.cpio.gz"), Append: append, Disks: [new QemuDisk(disk)]);
            await _hosts[vm.HostId].StartVmAsync(definition, cancellationToken);
        }
    }

    /// <summary>The guests follow their profiles themselves (the test guest's load generator).</summary>
    void IDemoHosts.FollowProfiles(DateTimeOffset now)
    {
    }

    /// <summary>The host's status measured from its QEMU processes.</summary>
    public async ValueTask<HostStatus> StatusAsync(string hostId, CancellationToken cancellationToken) =>
        (await _hosts[hostId].GetStatusAsync(cancellationToken)).Value
        ?? throw new InvalidOperationException($"Host {hostId} did not report its status.");

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.StopAllVmsAsync();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }

    [GeneratedRegex(@"version (\d+)\.")]
    private static partial Regex VersionPattern();
}
