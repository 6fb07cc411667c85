using System.Net;
using System.Net.Sockets;
using Prescient.Cli;
using Prescient.Cli.Up;

namespace Prescient.Simulation.Tests.Cli;

/// <summary>
/// The command line refuses what it does not understand: an unknown option or a stray argument is an error naming
/// it, with the command's usage, and the command does not run.
/// </summary>
public sealed class CommandLineTests
{
    private static (int ExitCode, string Output) Run(params string[] args) => CliRunner.Run(PrescientCommandLine.AddCommands, args);

    [Theory]
    [InlineData("'bogus'", "prescient up [OPTIONS]", "up", "--bogus")]
    [InlineData("'bogus-flag'", "prescient bench consolidation [OPTIONS]", "bench", "consolidation", "--bogus-flag", "yes")]
    [InlineData("'nope'", "prescient bench forecast [OPTIONS]", "bench", "forecast", "--nope")]
    [InlineData("'nope'", "prescient bench throughput [OPTIONS]", "bench", "throughput", "--nope")]
    [InlineData("'nope'", "prescient bench pipeline [OPTIONS]", "bench", "pipeline", "--nope")]
    [InlineData("'x'", "prescient simulate [OPTIONS]", "simulate", "-x")]
    [InlineData("'extra'", "prescient simulate [OPTIONS]", "simulate", "extra")]
    [InlineData("'extra'", "prescient up [OPTIONS]", "up", "--json", "extra")]
    [InlineData("'later'", "prescient bench consolidation [OPTIONS]", "bench", "consolidation", "--days", "1", "later")]
    public void An_unknown_option_or_stray_argument_is_an_error_naming_it_with_the_usage_and_nothing_runs(string named, string usage, params string[] args)
    {
        var (code, output) = Run(args);

        Assert.NotEqual(0, code);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.Contains("USAGE:", output, StringComparison.Ordinal);
        Assert.Contains(usage, output, StringComparison.Ordinal);
        // Nothing ran: no start-up stage, no benchmark progress, no report.
        Assert.DoesNotContain("Starting Azurite", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Wrote", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300", 300)]
    [InlineData("90s", 90)]
    [InlineData("1.5", 1.5)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("00:02:00", 120)]
    public void A_duration_is_read_with_a_unit_or_as_bare_seconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), UpSettings.ParseDuration(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("5x")]
    [InlineData("NaN")]
    [InlineData("soon")]
    public void A_duration_that_is_not_one_is_refused(string text) => Assert.Null(UpSettings.ParseDuration(text));

    [Fact]
    public void A_port_in_use_is_refused_at_once_with_a_hint_to_use_another()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output) = Run("up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.NotEqual(0, code);
        Assert.Contains($"Port {port} on 127.0.0.1 is in use", output, StringComparison.Ordinal);
        Assert.Contains("--port", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting Azurite", output, StringComparison.Ordinal);
    }
}
