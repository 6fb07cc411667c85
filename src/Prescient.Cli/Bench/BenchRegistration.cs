using Spectre.Console.Cli;

namespace Prescient.Cli.Bench;

/// <summary>Registers the <c>bench</c> branch: consolidation, forecast, retrain, throughput, pipeline.</summary>
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
                .WithDescription("Ingest throughput into Azurite and the time to retrain a fleet from weeks of stored windows.");
        });
    }
}
