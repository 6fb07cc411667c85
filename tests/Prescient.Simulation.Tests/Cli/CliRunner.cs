using Spectre.Console;
using Prescient.Cli;
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
        // The production command line (strict parsing, usage on errors) with the commands the test registers.
        var code = PrescientCommandLine.Run(args, register, console);
        return (code, writer.ToString());
    }
}
