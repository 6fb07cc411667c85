using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Simulate;

/// <summary>Options of <c>prescient simulate</c>.</summary>
public sealed class SimulateSettings : CommandSettings
{
    [CommandOption("--scenario <NAME>")]
    [Description("Scenario to run: patent-day (the default, synthetic) or alibaba-day (real traces from --data).")]
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

    [CommandOption("--days <N>")]
    [Description("Consecutive days to replay (1 to 14; 1 = the patent's day alone).")]
    [DefaultValue(1)]
    public int Days { get; init; } = 1;

    [CommandOption("--data <DIR>")]
    [Description("Folder of the real traces for alibaba-day (default: ../shared/data next to the repository).")]
    public string? Data { get; init; }

    [CommandOption("--no-report")]
    [Description("Do not write the report folder.")]
    public bool NoReport { get; init; }

    public override ValidationResult Validate()
    {
        if (!SimulateCommand.Scenarios.ContainsKey(Scenario))
        {
            return ValidationResult.Error($"Unknown scenario '{Scenario}'. Available: {string.Join(", ", SimulateCommand.Scenarios.Keys)}.");
        }

        return Days is < 1 or > 14 ? ValidationResult.Error($"--days must be between 1 and 14, not {Days}.") : ValidationResult.Success();
    }
}
