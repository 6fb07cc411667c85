using System.Net.Http.Json;
using System.Text.Json;
using Prescient.Cli.Up;

namespace Prescient.Up.Tests;

/// <summary>
/// One headless run of the local pipeline (what <c>prescient up</c> starts) shared by the tests: Azurite in memory,
/// the durable runtime, the simulated fleet, agents, ingest / retrain / evaluate / migrate, the API and the
/// dashboard. It runs until the API shows a completed migration and a powered-down host, or for at most
/// <see cref="MaxRun"/> (so a broken pipeline fails the tests instead of hanging them).
/// </summary>
public sealed class UpRunFixture : IAsyncLifetime
{
    /// <summary>360x: a 20-minute period every 3.3 s; from 17:00 the evening (evacuations) comes after about 40 s.</summary>
    public const double Speed = 360;

    public static readonly TimeSpan MaxRun = TimeSpan.FromSeconds(150);

    private LocalPipeline? _pipeline;

    public LocalPipeline Pipeline => _pipeline ?? throw new InvalidOperationException("The pipeline is not running.");

    public HttpClient Api { get; private set; } = null!;

    public UpSummary? Summary { get; private set; }

    public TimeSpan RanFor { get; private set; }

    public async Task InitializeAsync()
    {
        _pipeline = await LocalPipeline.StartAsync(new LocalPipelineOptions { Speed = Speed, ApiPort = 0 });
        Api = new HttpClient { BaseAddress = Pipeline.ApiAddress, Timeout = TimeSpan.FromSeconds(60) };
        var started = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow - started < MaxRun)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            var migrations = await Api.GetFromJsonAsync<JsonElement>("api/migrations?status=completed&limit=10");
            var hosts = await Api.GetFromJsonAsync<JsonElement>("api/hosts");
            var poweredDown = hosts.EnumerateArray().Count(h => h.GetProperty("powerState").GetString() == "reducedPower");
            if (migrations.GetArrayLength() > 0 && poweredDown > 0)
            {
                break;
            }
        }

        RanFor = DateTimeOffset.UtcNow - started;
        await Pipeline.StopDecidingAsync(TimeSpan.FromSeconds(45));
        Summary = await UpSummary.ReadAsync(Api, Pipeline.RunStartedAt - TimeSpan.FromDays(Pipeline.Options.HistoryDays), Pipeline.RunStartedAt,
            Pipeline.Clock.GetUtcNow(), Pipeline.Activity.PeriodsBehind, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UpRunCollection : ICollectionFixture<UpRunFixture>
{
    public const string Name = "up run";
}
