using Prescient.Cli.Bench;
using Prescient.Cli.Simulate;
using Prescient.Cli.Up;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("prescient");
    config.AddSimulate();
    config.AddBenchCommands();
    config.AddUp();
});
return await app.RunAsync(args);
