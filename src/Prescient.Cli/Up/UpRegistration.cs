using Spectre.Console.Cli;

namespace Prescient.Cli.Up;

/// <summary>Registers <c>prescient up</c>.</summary>
public static class UpRegistration
{
    public static IConfigurator AddUp(this IConfigurator config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AddCommand<UpCommand>("up")
            .WithDescription("Run the whole pipeline locally: Azurite, durable runtime, a simulated fleet with agents, ingest/retrain/evaluate/migrate, the API and the dashboard.")
            .WithExample("up")
            .WithExample("up", "--speed", "480", "--duration", "3m", "--json");
        return config;
    }
}
