using Prescient.Core.Migration;
using Prescient.Simulation.FleetService;
using Prescient.Simulation.Traces;

namespace Prescient.Cli.Up;

/// <summary>One VM of the demo fleet: where it starts, its size, and the daily shape of its CPU demand.</summary>
public sealed record DemoVm(string VmId, string HostId, double MemoryMb, double DirtyRateMBps, DiurnalProfile Profile, int Seed);

/// <summary>
/// The default fleet of <c>prescient up</c>: hosts of 32 cores and 256 GB, each with a few VMs whose CPU demand follows
/// a daily pattern (synthetic traces: busy afternoons, idle evenings and nights, quieter weekends), so that during
/// the day some hosts climb above the range (offloads) and in the evening many fall below it (evacuation and power-down).
/// A quarter of the hosts run night batch work and stay busy in the evening: they receive the evacuated VMs.
/// Loads are fractions of one host (the pipeline's reference host, capacity 1).
/// </summary>
public sealed class DemoFleet
{
    public const double CoresPerHost = 32;
    public const double HostMemoryMb = 262_144;

    private static readonly NoiseOptions Noise = new(NoiseSd: 0.012, NoiseCorrelation: 0.7, SpikesPerHour: 0.05, SpikeHeight: 0.04);

    private DemoFleet(IReadOnlyList<string> hostIds, IReadOnlyList<DemoVm> vms)
    {
        HostIds = hostIds;
        Vms = vms;
    }

    public IReadOnlyList<string> HostIds { get; }

    public IReadOnlyList<DemoVm> Vms { get; }

    public static DemoFleet Create(int hosts, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hosts, 4);
        var rng = new Random(seed);
        var hostIds = Enumerable.Range(1, hosts).Select(i => $"host-{i:00}").ToList();
        var vms = new List<DemoVm>();
        for (var h = 0; h < hosts; h++)
        {
            var hostId = hostIds[h];
            var batch = h % 4 == 3;
            var vmCount = 4 + (h % 3);
            // Host peak as a fraction of the host: some hosts peak above the 0.80 threshold in the afternoon.
            var hostPeak = batch ? 0.42 : 0.62 + (0.3 * ((h * 7) % 8) / 7.0);
            var hostNight = batch ? 0.30 : 0.06 + (0.02 * (h % 3));
            var peakHour = batch ? 1.5 : 13.5 + ((h % 5) * 0.75);
            for (var v = 0; v < vmCount; v++)
            {
                var share = 1.0 / vmCount;
                var profile = new DiurnalProfile(
                    Night: hostNight * share,
                    Peak: hostPeak * share,
                    PeakHour: peakHour + (rng.NextDouble() - 0.5),
                    WidthHours: batch ? 4.5 : 3.2 + rng.NextDouble(),
                    WeekendFactor: batch ? 1.0 : 0.6);
                var memory = new[] { 4096.0, 8192, 16384, 12288 }[rng.Next(4)];
                vms.Add(new DemoVm($"{hostId}-vm{v + 1}", hostId, memory, 20 + (rng.NextDouble() * 60), profile, seed + (h * 31) + v));
            }
        }

        return new DemoFleet(hostIds, vms);
    }

    /// <summary>
    /// The real demo's layout (<c>--hypervisor qemu</c>): three one-core hosts with two small guests each. qemu-1's guests
    /// peak in the afternoon above the range (offload), qemu-2's are quiet in the evening (evacuation and power-down),
    /// qemu-3 runs night batch work and receives VMs. Loads are fractions of one core (the guests' vCPU busy share).
    /// </summary>
    public static DemoFleet CreateQemu()
    {
        var hosts = new[] { "qemu-1", "qemu-2", "qemu-3" };
        var vms = new List<DemoVm>
        {
            new("web-1", "qemu-1", 128, 2, new DiurnalProfile(Night: 0.03, Peak: 0.45, PeakHour: 15.5, WidthHours: 3.0, WeekendFactor: 1), 1),
            new("web-2", "qemu-1", 128, 2, new DiurnalProfile(Night: 0.03, Peak: 0.42, PeakHour: 16, WidthHours: 3.0, WeekendFactor: 1), 2),
            new("app-1", "qemu-2", 128, 2, new DiurnalProfile(Night: 0.02, Peak: 0.22, PeakHour: 14, WidthHours: 3.0, WeekendFactor: 1), 3),
            new("app-2", "qemu-2", 128, 2, new DiurnalProfile(Night: 0.02, Peak: 0.2, PeakHour: 13.5, WidthHours: 3.0, WeekendFactor: 1), 4),
            new("batch-1", "qemu-3", 128, 2, new DiurnalProfile(Night: 0.12, Peak: 0.25, PeakHour: 1.5, WidthHours: 4.5, WeekendFactor: 1), 5),
            new("batch-2", "qemu-3", 128, 2, new DiurnalProfile(Night: 0.1, Peak: 0.22, PeakHour: 2.5, WidthHours: 4.5, WeekendFactor: 1), 6),
        };
        return new DemoFleet(hosts, vms);
    }

    /// <summary>The hosts, powered as <paramref name="power"/> says (a restart) or all on.</summary>
    public IEnumerable<SimHostSpec> HostSpecs(IReadOnlyDictionary<string, PowerState>? power = null) =>
        HostIds.Select(id => new SimHostSpec(id, CoresPerHost, HostMemoryMb, PowerState: power?.GetValueOrDefault(id, PowerState.On) ?? PowerState.On));

    /// <summary>The VMs, each where <paramref name="placement"/> says it runs (a restart) or on its first host.</summary>
    public IEnumerable<SimVmSpec> VmSpecs(DateTimeOffset at, IReadOnlyDictionary<string, string>? placement = null) =>
        Vms.Select(vm => new SimVmSpec(vm.VmId, placement?.GetValueOrDefault(vm.VmId) ?? vm.HostId, CpuCores(vm, at), vm.MemoryMb, vm.DirtyRateMBps));

    /// <summary>The VM's demand at a moment, in cores: its daily profile plus deterministic noise.</summary>
    public static double CpuCores(DemoVm vm, DateTimeOffset at) => Load(vm, at) * CoresPerHost;

    /// <summary>The VM's demand as a fraction of a host.</summary>
    public static double Load(DemoVm vm, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var utc = at.UtcDateTime;
        var level = vm.Profile.LevelAt(DateOnly.FromDateTime(utc), utc.TimeOfDay.TotalHours);
        // Smooth noise: a few incommensurate sines seeded per VM (deterministic, so history and live agree).
        var t = (at - DateTimeOffset.UnixEpoch).TotalHours;
        var phase = vm.Seed * 0.7331;
        var wiggle = (0.5 * Math.Sin((t * 1.7) + phase)) + (0.3 * Math.Sin((t * 4.3) + (2 * phase))) + (0.2 * Math.Sin((t * 11.1) + (3 * phase)));
        return Math.Max(0, level * (1 + (Noise.NoiseSd * 4 * wiggle)));
    }
}
