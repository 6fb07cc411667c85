using Prescient.Cli.Bench;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("prescient");
    config.AddBenchCommands();
});
return await app.RunAsync(args);
