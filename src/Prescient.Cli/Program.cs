using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config => config.SetApplicationName("prescient"));
return await app.RunAsync(args);
