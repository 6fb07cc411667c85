using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Settings;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class RetrainTests(AzuriteFixture fixture)
{
    /// <summary>One sample per period for <paramref name="days"/> days before now: a daily cycle with a little noise.</summary>
    internal static IReadOnlyList<TelemetrySample> DailyCycle(int days, int seed = 1)
    {
        var calendar = PeriodCalendar.Default;
        var random = new Random(seed);
        var end = calendar.StartOf(calendar.PeriodOf(PipelineHarness.Now));
        var periods = days * calendar.PeriodsPerDay;
        return Enumerable.Range(0, periods)
            .Select(i =>
            {
                var at = end - calendar.PeriodLength * (periods - i) + TimeSpan.FromMinutes(5);
                var phase = 2 * Math.PI * calendar.PeriodOf(at).Index / calendar.PeriodsPerDay;
                var cpu = Math.Clamp(0.45 + 0.3 * Math.Sin(phase) + (random.NextDouble() - 0.5) * 0.04, 0, 1);
                return new TelemetrySample(i + 1, at, cpu, 0.3, 0.05);
            })
            .ToList();
    }

    private static RetrainService Service(PipelineHarness harness) =>
        new(
            harness.NewWindowStore(),
            new ModelStore(harness.Storage.Blobs.GetBlobContainerClient(harness.Storage.Names.ModelContainer), harness.Storage.Table(n => n.Models)),
            harness.Hosts,
            new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time),
            harness.Time,
            NullLogger<RetrainService>.Instance,
            new RetrainOptions { Epochs = 30, UpdateEpochs = 5, Parallelism = 2 });

    [Fact]
    public async Task Retraining_stores_a_versioned_model_with_its_held_out_accuracy_and_updates_it_next_time()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        await harness.NewWindowStore().ApplyAsync("r1", DailyCycle(5), CancellationToken.None);
        await harness.Hosts.TouchAsync(["r1", "r-empty"], PipelineHarness.Now, CancellationToken.None);
        var service = Service(harness);

        var fleet = await service.RetrainFleetAsync(CancellationToken.None);

        Assert.Equal(2, fleet.Hosts.Count);
        var r1 = Assert.Single(fleet.Hosts, h => h.HostId == "r1");
        Assert.Equal("trained", r1.Outcome);
        Assert.Equal(5 * 72 - 1, r1.Observations);
        Assert.InRange(r1.HoldoutMae!.Value, 0, 0.1);
        Assert.NotNull(r1.BaselineMae);
        Assert.StartsWith("skipped: 0 observations", Assert.Single(fleet.Hosts, h => h.HostId == "r-empty").Outcome, StringComparison.Ordinal);
        var state = await harness.Hosts.GetAsync("r1", CancellationToken.None);
        Assert.Equal(r1.Version, state!.ModelVersion);
        Assert.Equal(r1.HoldoutMae, state.Accuracy);

        harness.Time.Advance(TimeSpan.FromMinutes(20));
        var again = await service.RetrainHostAsync("r1", CancellationToken.None);
        Assert.Equal("updated", again.Outcome);
        Assert.True(string.CompareOrdinal(again.Version, r1.Version) > 0);

        var models = new ModelStore(harness.Storage.Blobs.GetBlobContainerClient(harness.Storage.Names.ModelContainer), harness.Storage.Table(n => n.Models));
        Assert.Equal(2, (await models.ListVersionsAsync("r1", CancellationToken.None)).Count);
        var current = await models.GetCurrentAsync("r1", CancellationToken.None);
        Assert.Equal(again.Version, current!.Metadata.Version);
        var predictor = Core.Network.WorkloadPredictor.FromSnapshot(current.Snapshot, Core.Calendar.DayCategorizer.Default);
        Assert.NotNull(predictor.Predict(new DateOnly(2026, 11, 24), 36, 0.5));
    }

    [Fact]
    public async Task A_host_whose_network_is_disabled_by_settings_is_not_trained()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        await harness.NewWindowStore().ApplyAsync("r2", DailyCycle(2), CancellationToken.None);
        var settings = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var saved = await settings.SetAsync(SettingsScope.ForHost("r2"), new HostSettingsPatch { NetworkMode = NetworkMode.Disabled }, null, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Saved, saved.Status);

        var result = await Service(harness).RetrainHostAsync("r2", CancellationToken.None);

        Assert.Equal("skipped: network disabled by settings", result.Outcome);
        Assert.Null(result.Version);
    }
}
