using Prescient.Cli.Bench;
using Prescient.Cli.Simulate;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("prescient");
    config.AddSimulate();
    config.AddBenchCommands();
});
return await app.RunAsync(args);
