using Prescient.Cli.Bench;
using Prescient.Cli.Simulate;
using Prescient.Cli.Up;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli;

/// <summary>
/// The <c>prescient</c> command line: its commands and its conventions. Parsing is strict: an option a command does
/// not know, or an argument it does not take, is an error naming it, printed with that command's usage, and nothing
/// runs (a mistyped option, or one from a newer version's docs, must not silently change what is run or measured).
/// </summary>
public static class PrescientCommandLine
{
    /// <summary>Every command: simulate, bench ..., up.</summary>
    public static void AddCommands(IConfigurator config)
    {
        config.AddSimulate();
        config.AddBenchCommands();
        config.AddUp();
    }

    public static Task<int> RunAsync(IReadOnlyList<string> args) => Create(args, AddCommands, console: null).RunAsync(args);

    /// <summary>Runs the commands <paramref name="register"/> adds, writing to <paramref name="console"/> (tests).</summary>
    public static int Run(IReadOnlyList<string> args, Action<IConfigurator> register, IAnsiConsole? console) =>
        Create(args, register, console).Run(args);

    private static CommandApp Create(IReadOnlyList<string> args, Action<IConfigurator> register, IAnsiConsole? console, bool handleErrors = true)
    {
        ArgumentNullException.ThrowIfNull(register);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("prescient");
            config.UseStrictParsing();
            if (console is not null)
            {
                config.Settings.Console = console;
            }

            if (handleErrors)
            {
                config.SetExceptionHandler((exception, _) => Fail(exception, args, register, console ?? AnsiConsole.Console));
            }

            register(config);
        });
        return app;
    }

    /// <summary>Prints the error; after a parse error (unknown option, stray argument) also the command's usage.</summary>
    private static int Fail(Exception exception, IReadOnlyList<string> args, Action<IConfigurator> register, IAnsiConsole console)
    {
        if (exception is not CommandAppException appException)
        {
            console.WriteException(exception, ExceptionFormats.ShortenEverything);
            return -1;
        }

        console.WriteLine();
        if (appException.Pretty is { } pretty)
        {
            console.Write(pretty);
        }
        else
        {
            console.MarkupLineInterpolated($"[red]Error:[/] {exception.Message}");
        }

        if (exception is CommandParseException)
        {
            WriteUsage(args, register, console);
        }

        return -1;
    }

    /// <summary>The help of the longest leading run of arguments that names a command (the root's when none does).</summary>
    private static void WriteUsage(IReadOnlyList<string> args, Action<IConfigurator> register, IAnsiConsole console)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).ToList();
        for (var n = words.Count; n >= 0; n--)
        {
            using var captured = new StringWriter();
            var quiet = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(captured),
            });
            quiet.Profile.Width = console.Profile.Width;
            string[] help = [.. words.Take(n), "--help"];
            if (Create(help, register, quiet, handleErrors: false).Run(help) == 0)
            {
                console.Profile.Out.Writer.Write(captured.ToString());
                return;
            }
        }
    }
}
