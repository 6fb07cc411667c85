using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

/// <summary>Registers the <c>bench</c> branch: consolidation, forecast, retrain, throughput, pipeline, api.</summary>
public static class BenchRegistration
{
    public static void AddBenchCommands(this IConfigurator config)
    {
        config.AddBranch("bench", bench =>
        {
            bench.SetDescription("Benchmarks: consolidation quality (CCPE 2012 setup), forecast accuracy, throughput.");
            bench.AddCommand<ConsolidationCommand>("consolidation")
                .WithDescription("Replay PlanetLab days on 800 hosts (or Bitbrains, Alibaba, Azure V1 fleet-days, --family): baselines (THR/IQR/MAD/LR/LRR-MMT), the oracle and Prescient's policies.");
            bench.AddCommand<ForecastCommand>("forecast")
                .WithDescription("Forecast accuracy 1 and 3 periods ahead per trace family: mean error, upper-quantile loss and overload anticipation of last value, seasonal naive, the patent's network, FastTree and the per-host selection.");
            bench.AddCommand<RetrainCommand>("retrain")
                .WithDescription("The compute of a full and an incremental retrain of a synthetic fleet (default 10,000 hosts x 28 days), in memory, next to training one network at a time.");
            bench.AddCommand<ThroughputCommand>("throughput")
                .WithDescription("Aggregation, training, controller and simulation throughput, each next to a naive baseline measured in the same run.");
            bench.AddCommand<PipelineCommand>("pipeline")
                .WithDescription("A fleet with weeks of history on Azurite: agents to windows through the Storage queue, the retrain read and the retrain, next to the earlier storage layout in the same run.");
            bench.AddCommand<ApiCommand>("api")
                .WithDescription("Read latency of the operations API while the local pipeline runs: p50/p95/max at a target rate (default 50/s) against a low-rate baseline.");
        });
    }
}
