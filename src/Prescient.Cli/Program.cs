using Prescient.Cli.Simulate;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("prescient");
    config.AddSimulate();
});
return await app.RunAsync(args);
