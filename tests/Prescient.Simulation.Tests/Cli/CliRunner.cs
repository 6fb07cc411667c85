using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Simulation.Tests.Cli;

/// <summary>Runs the <c>prescient</c> command line in process with a plain, wide, non-interactive console and returns what it printed.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(Action<IConfigurator> register, params string[] args)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 400;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("prescient");
            config.Settings.Console = console;
            register(config);
        });
        var code = app.Run(args);
        return (code, writer.ToString());
    }
}
