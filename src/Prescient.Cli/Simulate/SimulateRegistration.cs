using Spectre.Console.Cli;

namespace Prescient.Cli.Simulate;

/// <summary>Registers <c>prescient simulate</c>.</summary>
public static class SimulateRegistration
{
    public static IConfigurator AddSimulate(this IConfigurator config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AddCommand<SimulateCommand>("simulate")
            .WithDescription("Replay a day of a simulated fleet offline (simulated time) under several policies and write a report.")
            .WithExample("simulate")
            .WithExample("simulate", "--scenario", "patent-day", "--out", "reports/patent-day")
            .WithExample("simulate", "--json");
        return config;
    }
}
