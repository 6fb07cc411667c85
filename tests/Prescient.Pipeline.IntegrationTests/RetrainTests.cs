using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Settings;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Models;
using Prescient.Pipeline.Forecasts;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class RetrainTests(AzuriteFixture fixture)
{
    /// <summary>One sample per period for <paramref name="days"/> days before now: a daily cycle with a little noise.</summary>
    internal static IReadOnlyList<TelemetrySample> DailyCycle(int days, int seed = 1, long firstSequence = 1, DateTimeOffset? until = null)
    {
        var calendar = PeriodCalendar.Default;
        var random = new Random(seed);
        var end = calendar.StartOf(calendar.PeriodOf(until ?? PipelineHarness.Now));
        var periods = days * calendar.PeriodsPerDay;
        return Enumerable.Range(0, periods)
            .Select(i =>
            {
                var at = end - calendar.PeriodLength * (periods - i) + TimeSpan.FromMinutes(5);
                var phase = 2 * Math.PI * calendar.PeriodOf(at).Index / calendar.PeriodsPerDay;
                var cpu = Math.Clamp(0.45 + 0.3 * Math.Sin(phase) + (random.NextDouble() - 0.5) * 0.04, 0, 1);
                return new TelemetrySample(firstSequence + i, at, cpu, 0.3, 0.05);
            })
            .ToList();
    }

    /// <summary>A random walk: nothing to learn beyond the last value.</summary>
    private static IReadOnlyList<TelemetrySample> Walk(int days)
    {
        var calendar = PeriodCalendar.Default;
        var random = new Random(4);
        var end = calendar.StartOf(calendar.PeriodOf(PipelineHarness.Now));
        var periods = days * calendar.PeriodsPerDay;
        var x = 0.5;
        return Enumerable.Range(0, periods)
            .Select(i =>
            {
                x = Math.Clamp(x + (random.NextDouble() - 0.5) * 0.06, 0.05, 0.95);
                return new TelemetrySample(i + 1, end - calendar.PeriodLength * (periods - i) + TimeSpan.FromMinutes(5), x, 0.3, 0.05);
            })
            .ToList();
    }

    private static ModelStore Models(PipelineHarness harness) =>
        new(harness.Storage.Blobs.GetBlobContainerClient(harness.Storage.Names.ModelContainer), harness.Storage.Table(n => n.Models));

    private static RetrainService Service(PipelineHarness harness) =>
        new(
            harness.NewWindowStore(),
            Models(harness),
            harness.Hosts,
            new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time),
            harness.Time,
            NullLogger<RetrainService>.Instance,
            new RetrainOptions { Epochs = 15, UpdateEpochs = 3, Parallelism = 2 });

    [Fact]
    public async Task A_full_retrain_stores_the_fleet_tree_and_each_hosts_selected_model_and_evaluate_reads_its_forecast()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var windows = harness.NewWindowStore();
        await windows.ApplyAsync("cycle", DailyCycle(6), CancellationToken.None);
        await windows.ApplyAsync("walk", Walk(6), CancellationToken.None);
        await harness.Hosts.TouchAsync(["cycle", "walk", "r-empty"], PipelineHarness.Now, CancellationToken.None);
        var service = Service(harness);

        var fleet = await service.RetrainFleetAsync(CancellationToken.None);

        Assert.True(fleet.Full);
        Assert.Equal(3, fleet.Hosts.Count);
        var models = Models(harness);
        Assert.NotNull(await models.GetCurrentFleetModelAsync(CancellationToken.None));
        var cycle = Assert.Single(fleet.Hosts, h => h.HostId == "cycle");
        Assert.Equal("trained", cycle.Outcome);
        Assert.NotEqual(ModelNames.LastValue, cycle.Model);
        Assert.True(cycle.HoldoutMae < cycle.BaselineMae, $"{cycle.Model}: {cycle.HoldoutMae} vs last value {cycle.BaselineMae}");
        var walk = Assert.Single(fleet.Hosts, h => h.HostId == "walk");
        Assert.Equal(ModelNames.LastValue, walk.Model);
        Assert.StartsWith("skipped: 0 observations", Assert.Single(fleet.Hosts, h => h.HostId == "r-empty").Outcome, StringComparison.Ordinal);

        // Stored: the bundle blob and the accuracy row, and the host's read model.
        var stored = await models.GetCurrentAsync("cycle", CancellationToken.None);
        Assert.Equal(cycle.Version, stored!.Metadata.Version);
        Assert.Equal(cycle.Model, stored.Metadata.Model);
        Assert.Equal("full", stored.Metadata.Kind);
        var bundle = ForecastBundle.FromJson(stored.Snapshot);
        Assert.Equal(cycle.Model, bundle.StepModels[0]);
        Assert.NotNull(bundle.TreeVersion);
        var state = await harness.Hosts.GetAsync("cycle", CancellationToken.None);
        Assert.Equal((cycle.Version, cycle.HoldoutMae), (state!.ModelVersion, state.Accuracy));

        // The host page's read (the Functions app and up): the model in use, its recent error and last value's.
        var page = new Api.Hosts.StoreHostReadModel(harness.Hosts, windows, new DecisionStore(harness.Storage.Table(n => n.Decisions)),
            new InMemoryMigrationRecordStore(), new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time), harness.Time, models);
        var detail = await page.GetAsync("cycle", CancellationToken.None);
        Assert.Equal((cycle.Model, cycle.HoldoutMae, cycle.BaselineMae), (detail!.ForecastModel, detail.ForecastMae, detail.LastValueMae));
        Assert.Equal(ModelNames.LastValue, (await page.GetAsync("walk", CancellationToken.None))!.ForecastModel);

        // Loaded: evaluate's one call gives the selected model's forecast of the running period and the next two.
        var reader = new HostForecastReader(windows, models, new FleetModelCache(models));
        var outcome = await reader.ForecastAsync("cycle", DayCategorizer.Default, PeriodCalendar.Default.PeriodOf(PipelineHarness.Now), CancellationToken.None);
        Assert.NotNull(outcome);
        var forecast = outcome.Forecast;
        Assert.Equal(cycle.Model, forecast.Model);
        Assert.Equal(3, forecast.Mean.Count);
        Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(forecast.Upper[k], forecast.Mean[k], 1));
        Assert.Equal(cycle.HoldoutMae, forecast.RecentError);
        Assert.NotNull(outcome.PreviousError);
        var expected = 0.45 + 0.3 * Math.Sin(2 * Math.PI * PeriodCalendar.Default.PeriodOf(PipelineHarness.Now).Index / 72);
        Assert.InRange(forecast.Mean[0], expected - 0.06, expected + 0.06);
        Assert.Null(await reader.ForecastAsync("r-empty", DayCategorizer.Default, PeriodCalendar.Default.PeriodOf(PipelineHarness.Now), CancellationToken.None));
    }

    [Fact]
    public async Task Evaluate_reads_the_selected_models_forecast_its_upper_quantile_and_its_error_into_the_snapshot()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var windows = harness.NewWindowStore();
        await windows.ApplyAsync("e1", DailyCycle(5), CancellationToken.None);
        await harness.Hosts.TouchAsync(["e1"], PipelineHarness.Now, CancellationToken.None);
        await Service(harness).RetrainFleetAsync(CancellationToken.None);
        var models = Models(harness);
        var settings = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var reader = new Evaluate.FleetSnapshotReader(
            windows, models, harness.Hosts, settings, new NoScheduler(), null, NullLogger<Evaluate.FleetSnapshotReader>.Instance, new Evaluate.EvaluateOptions());

        var read = await reader.ReadAsync(PipelineHarness.Now, "cycle-1", CancellationToken.None);

        var host = Assert.Single(read.Snapshot.Hosts);
        var forecast = host.Forecast;
        Assert.NotNull(forecast);
        var stored = (await models.GetCurrentMetadataAsync("e1", CancellationToken.None))!;
        Assert.Equal(stored.Model, forecast.Model);
        Assert.Equal(stored.HoldoutMae, forecast.RecentError);
        Assert.Equal(3, forecast.Mean.Count);
        Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(forecast.Upper[k], forecast.Mean[k], 1));
        Assert.True(forecast.Upper.Zip(forecast.Mean).Any(p => p.First > p.Second), "the upper quantile is above the mean somewhere");
        var expected = await new HostForecastReader(windows, models, new FleetModelCache(models))
            .ForecastAsync("e1", DayCategorizer.Default, PeriodCalendar.Default.PeriodOf(PipelineHarness.Now), CancellationToken.None);
        Assert.Equal(expected!.Forecast.Mean, forecast.Mean);
        Assert.Equal(expected.PreviousError, host.PredictionError);
        Assert.NotNull(host.PredictionError);
    }

    private sealed class NoScheduler : Pipeline.Migration.IMigrationScheduler
    {
        public Task<Pipeline.Migration.MigrationStartResult> StartAsync(Pipeline.Migration.MigrationRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Pipeline.Migration.MigrationStartResult> StartEvacuationAsync(Pipeline.Migration.EvacuationRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
    }

    [Fact]
    public async Task The_next_retrain_is_incremental_until_a_full_one_is_due()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var windows = harness.NewWindowStore();
        await windows.ApplyAsync("r1", DailyCycle(5), CancellationToken.None);
        await harness.Hosts.TouchAsync(["r1"], PipelineHarness.Now, CancellationToken.None);
        var service = Service(harness);
        var first = Assert.Single((await service.RetrainFleetAsync(CancellationToken.None)).Hosts);

        // One more period measured, an hour later.
        harness.Time.Advance(TimeSpan.FromMinutes(20));
        await windows.ApplyAsync("r1", DailyCycle(1, firstSequence: 10_000, until: harness.Time.GetUtcNow()).TakeLast(1).ToList(), CancellationToken.None);
        var second = await service.RetrainFleetAsync(CancellationToken.None);

        Assert.False(second.Full);
        var updated = Assert.Single(second.Hosts);
        Assert.Equal("updated", updated.Outcome);
        Assert.True(string.CompareOrdinal(updated.Version, first.Version) > 0);
        var models = Models(harness);
        Assert.Equal(2, (await models.ListVersionsAsync("r1", CancellationToken.None)).Count);
        var stored = await models.GetCurrentAsync("r1", CancellationToken.None);
        Assert.Equal("incremental", stored!.Metadata.Kind);
        var bundle = ForecastBundle.FromJson(stored.Snapshot);
        Assert.Equal(PeriodCalendar.Default.PeriodOf(harness.Time.GetUtcNow()), bundle.WindowEnd);

        harness.Time.Advance(TimeSpan.FromDays(1));
        var third = await service.RetrainFleetAsync(CancellationToken.None);
        Assert.True(third.Full);
        Assert.Equal("trained", Assert.Single(third.Hosts).Outcome);
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
