using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>A fresh set of tables, queue and container (unique prefix) on the shared Azurite, and the pipeline parts over it.</summary>
internal sealed class PipelineHarness
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private PipelineHarness(PrescientStorage storage, FakeTimeProvider time)
    {
        Storage = storage;
        Time = time;
        Validator = new TelemetryValidator(time);
        DeadLetters = new DeadLetterStore(storage.Table(n => n.DeadLetters), time);
        Hosts = new HostStateStore(storage.Table(n => n.Hosts));
    }

    public PrescientStorage Storage { get; }

    public FakeTimeProvider Time { get; }

    public TelemetryValidator Validator { get; }

    public DeadLetterStore DeadLetters { get; }

    public HostStateStore Hosts { get; }

    public static async Task<PipelineHarness> CreateAsync(AzuriteFixture fixture)
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        var storage = PrescientStorage.FromConnectionString(fixture.ConnectionString, new StorageNames(prefix));
        await storage.EnsureCreatedAsync(CancellationToken.None);
        return new PipelineHarness(storage, new FakeTimeProvider(Now));
    }

    /// <summary>A window store of its own (as a separate ingester process would have).</summary>
    public WindowStore NewWindowStore() => new(Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu);

    /// <summary>The evaluate service over these stores, composed as the pipeline registration does.</summary>
    public Evaluate.EvaluateService NewEvaluateService(WindowStore windows, SettingsStore settings, DecisionStore decisions, Pipeline.Migration.IMigrationScheduler scheduler, Evaluate.EvaluateOptions? options = null)
    {
        var models = new ModelStore(Storage.Blobs.GetBlobContainerClient(Storage.Names.ModelContainer), Storage.Table(n => n.Models));
        var reader = new Evaluate.FleetSnapshotReader(windows, models, Hosts, settings, scheduler, null, NullLogger<Evaluate.FleetSnapshotReader>.Instance, options ?? new Evaluate.EvaluateOptions());
        return new Evaluate.EvaluateService(reader, Hosts, decisions, scheduler, windows.Calendar, Time, NullLogger<Evaluate.EvaluateService>.Instance, options);
    }

    public TelemetryIngestor NewIngestor(WindowStore? windows = null) =>
        new(Validator, windows ?? NewWindowStore(), DeadLetters, Hosts, Time, NullLogger<TelemetryIngestor>.Instance);

    public async Task<IReadOnlyList<StoredWindow>> WindowsAsync(string hostId) =>
        await NewWindowStore().GetAsync(hostId, new PeriodKey(new DateOnly(2000, 1, 1), 0), new PeriodKey(new DateOnly(2100, 1, 1), 0), CancellationToken.None);

    /// <summary>Samples every 20 s ending a minute before <see cref="Now"/>, with a deterministic, varied workload.</summary>
    public static IReadOnlyList<TelemetrySample> Samples(string hostId, long firstSequence, int count, int vms = 2)
    {
        var seed = hostId.Aggregate(17, (h, c) => h * 31 + c);
        return Enumerable.Range(0, count)
            .Select(i =>
            {
                var sequence = firstSequence + i;
                var cpu = ((sequence * 7919 + seed) % 1000 + 1000) % 1000 / 1000.0;
                return new TelemetrySample(
                    sequence,
                    Now.AddMinutes(-1).AddSeconds(-20 * (count - 1 - i)),
                    cpu,
                    0.5,
                    0.05,
                    Enumerable.Range(0, vms).Select(v => new VmSample($"{hostId}-vm{v}", cpu / (vms + 1), 2048, 10 + v)).ToList());
            })
            .ToList();
    }

    /// <summary>The windows those samples must produce (each sample once), computed independently of the store.</summary>
    public static Dictionary<PeriodKey, (int Count, double Sum, double Max)> Expected(IEnumerable<TelemetrySample> samples) =>
        samples
            .DistinctBy(s => s.Sequence)
            .GroupBy(s => PeriodCalendar.Default.PeriodOf(s.Timestamp))
            .ToDictionary(g => g.Key, g => (g.Count(), g.Sum(s => s.Cpu), g.Max(s => s.Cpu)));

    public static void AssertWindows(IReadOnlyDictionary<PeriodKey, (int Count, double Sum, double Max)> expected, IReadOnlyList<StoredWindow> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Select(w => w.Period));
        foreach (var window in actual)
        {
            var (count, sum, max) = expected[window.Period];
            Assert.Equal(count, window.Count);
            // Exact integer nanounit sums in the store: within half a nanounit per sample of the double sum.
            Assert.Equal(sum, window.Sum, tolerance: (count * 1e-9) + 1e-12);
            Assert.Equal(max, window.Max, 12);
        }
    }

    public static string Describe(IReadOnlyList<StoredWindow> windows) =>
        string.Join(
            "\n",
            windows.Select(w => string.Create(
                CultureInfo.InvariantCulture,
                $"{w.Period} n={w.Count} sum={w.Sum:R} max={w.Max:R} cpu={w.CpuMean:R} mem={w.MemMean:R} io={w.IoMean:R} seq={WindowStore.FormatRanges(w.Sequences)} vms={w.Vms?.Count}@{w.VmsSequence}")));
}
