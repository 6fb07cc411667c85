using Prescient.Core.Controller;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>
/// A host's series reads only its range (row-key ranges of the decisions and windows), and still shows the range and
/// mode in force at its start from the last decision before it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostSeriesRangeTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = PipelineHarness.Now;

    private static DecisionRecord Row(DateTimeOffset at, double low, double high, ControllerMode before, ControllerMode after, double predicted) =>
        new("h1", at.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture), at, false,
            new Decision(at, 0.5, predicted, null, null, 0, ControllerModeSetting.Autostart, NetworkMode.Training, before, after,
                before == after ? ModeTransition.None : ModeTransition.Autostart, 0.5, new WorkloadRange(low, high), new WorkloadRange(0, 1), 0.9, 3, Indication.None),
            "test", [], []);

    [Fact]
    public async Task A_series_reads_its_range_and_the_decision_in_force_before_it()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        var decisions = new DecisionStore(harness.Storage.Table(n => n.Decisions));
        var windows = harness.NewWindowStore();
        await harness.Hosts.TouchAsync(["h1"], Now, CancellationToken.None);
        // Three days before the range (in force at its start), two inside it, one after it.
        var rows = new[]
        {
            Row(Now.AddDays(-3), 0.1, 0.9, ControllerMode.Reactive, ControllerMode.Proactive, 0.11),
            Row(Now.AddMinutes(-30), 0.2, 0.7, ControllerMode.Proactive, ControllerMode.Proactive, 0.22),
            Row(Now.AddMinutes(-10), 0.3, 0.6, ControllerMode.Proactive, ControllerMode.Reactive, 0.33),
            Row(Now.AddHours(2), 0.4, 0.5, ControllerMode.Reactive, ControllerMode.Reactive, 0.44),
        };
        foreach (var row in rows)
        {
            await decisions.WriteAsync(row, row.At, CancellationToken.None);
        }

        var samples = Telemetry.TelemetrySerializer.Serialize(Telemetry.TelemetryBatch.Create("h1", [.. PipelineHarness.Samples("h1", 1, 200)]));
        await harness.NewIngestor(windows).IngestAsync([new Ingest.IncomingPayload(samples, new PayloadOrigin("test", "m1", Now))], CancellationToken.None);

        var ranged = await decisions.ListRangeAsync("h1", Now.AddHours(-6), Now, 100, CancellationToken.None);
        Assert.Equal([Now.AddMinutes(-10), Now.AddMinutes(-30)], ranged.Select(r => r.At));

        var model = new StoreHostReadModel(harness.Hosts, windows, decisions, new InMemoryMigrationRecordStore(),
            new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time), harness.Time);
        var series = await model.GetSeriesAsync("h1", Now.AddHours(-6), Now, CancellationToken.None);

        // Measured periods from 10:40 on (samples of the last 66 minutes); the first decision in the range is at 11:30.
        Assert.NotNull(series);
        var first = series.Points[0];
        Assert.Equal((Now.AddMinutes(-80), null), (first.PeriodStart, first.Predicted));
        Assert.Equal((0.1, 0.9, ControllerMode.Proactive), (first.Low, first.High, first.Mode));
        Assert.Equal([0.22, 0.33], series.Points.Where(p => p.Predicted is not null).Select(p => p.Predicted!.Value));
        Assert.Equal((0.3, 0.6, ControllerMode.Reactive), (series.Points[^1].Low, series.Points[^1].High, series.Points[^1].Mode));
        Assert.All(series.Points, p => Assert.NotNull(p.Measured));
        Assert.All(series.Points, p => Assert.InRange(p.PeriodStart, Now.AddHours(-6).AddMinutes(-20), Now));
        Assert.Equal([ControllerMode.Reactive], series.ModeChanges.Select(c => c.To));
    }
}
