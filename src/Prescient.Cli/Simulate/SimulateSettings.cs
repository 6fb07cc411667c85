using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Simulate;

/// <summary>Options of <c>prescient simulate</c>.</summary>
public sealed class SimulateSettings : CommandSettings
{
    [CommandOption("--scenario <NAME>")]
    [Description("Scenario to run. Available: patent-day (the default).")]
    [DefaultValue("patent-day")]
    public string Scenario { get; init; } = "patent-day";

    [CommandOption("--out <DIR>")]
    [Description("Report folder (default: reports/<scenario>-<UTC time> under the current folder).")]
    public string? Out { get; init; }

    [CommandOption("--json")]
    [Description("Print the results as JSON on standard output (no table, no progress).")]
    public bool Json { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the synthetic traces and the networks.")]
    [DefaultValue(7)]
    public int Seed { get; init; } = 7;

    [CommandOption("--no-report")]
    [Description("Do not write the report folder.")]
    public bool NoReport { get; init; }

    public override ValidationResult Validate() =>
        SimulateCommand.Scenarios.ContainsKey(Scenario)
            ? ValidationResult.Success()
            : ValidationResult.Error($"Unknown scenario '{Scenario}'. Available: {string.Join(", ", SimulateCommand.Scenarios.Keys)}.");
}
