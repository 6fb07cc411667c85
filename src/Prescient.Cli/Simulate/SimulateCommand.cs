using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Prescient.Simulation.Engine;
using Prescient.Simulation.Reports;
using Prescient.Simulation.Scenarios;
using Prescient.Simulation.Traces;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Simulate;

/// <summary>
/// <c>prescient simulate</c>: runs a scenario offline in simulated time, prints a table (or JSON) and writes a
/// report folder with charts.
/// </summary>
public sealed class SimulateCommand(IAnsiConsole console) : AsyncCommand<SimulateSettings>
{
    /// <summary>The scenarios by name, each made from the command's settings.</summary>
    public static IReadOnlyDictionary<string, Func<SimulateSettings, Scenario>> Scenarios { get; } = new Dictionary<string, Func<SimulateSettings, Scenario>>(StringComparer.Ordinal)
    {
        [PatentDayScenario.Name] = s => PatentDayScenario.Create(new PatentDayScenario.Parameters { Seed = s.Seed, ReplayDays = s.Days }),
        [AlibabaDayScenario.Name] = s => AlibabaDayScenario.Create(SharedData.Locate(s.Data), s.Days, s.Seed),
    };

    public override Task<int> ExecuteAsync(CommandContext context, SimulateSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Scenario scenario;
        try
        {
            scenario = Scenarios[settings.Scenario](settings);
        }
        catch (Exception e) when (e is TraceFormatException or DirectoryNotFoundException or ArgumentOutOfRangeException)
        {
            console.MarkupLineInterpolated($"[red]Cannot set up scenario '{settings.Scenario}':[/] {e.Message}");
            return Task.FromResult(1);
        }

        var result = settings.Json ? ScenarioRunner.Run(scenario) : RunWithProgress(scenario);
        string? report = null;
        if (!settings.NoReport)
        {
            var folder = settings.Out ?? Path.Combine("reports", $"{result.Scenario}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}");
            report = ReportWriter.Write(result, folder);
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(ToJson(result, report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return Task.FromResult(0);
        }

        PrintTable(result);
        console.WriteLine();
        if (report is not null)
        {
            console.MarkupLineInterpolated($"Report: [link]{Path.GetFullPath(report)}[/] (charts next to it).");
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Done: {result.Scenario}, {result.Policies.Count} policies, {result.Days} simulated day(s) each, {result.WallClock.TotalSeconds:F1} s."));
        return Task.FromResult(0);
    }

    private ScenarioResult RunWithProgress(Scenario scenario)
    {
        console.MarkupLineInterpolated($"[bold]{scenario.Setup.Name}[/]: {scenario.Setup.Description}");
        console.WriteLine("Training each VM's network on the training days, then replaying the day under each policy in simulated time.");
        if (!console.Profile.Capabilities.Interactive)
        {
            // Without a terminal: one plain line per stage.
            var last = "";
            return ScenarioRunner.Run(scenario, new Callback(p =>
            {
                var stage = p.Stage.StartsWith("training the network", StringComparison.Ordinal) ? "training the networks" : p.Stage;
                if (stage != last)
                {
                    last = stage;
                    console.WriteLine($"  {stage}");
                }
            }));
        }

        ScenarioResult? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var training = ctx.AddTask("training the networks", maxValue: 1);
                foreach (var policy in scenario.Policies)
                {
                    tasks[policy.Name] = ctx.AddTask($"replaying: {policy.Name}", autoStart: false, maxValue: 1);
                }

                result = ScenarioRunner.Run(scenario, new Callback(p =>
                {
                    if (p.Stage.StartsWith("train", StringComparison.Ordinal))
                    {
                        training.Value = p.Fraction;
                        return;
                    }

                    var name = p.Stage[(p.Stage.LastIndexOf(':') + 2)..];
                    if (tasks.TryGetValue(name, out var task))
                    {
                        if (!task.IsStarted)
                        {
                            training.StopTask();
                            task.StartTask();
                        }

                        task.Value = p.Fraction;
                        if (p.Fraction >= 1)
                        {
                            task.StopTask();
                        }
                    }
                }));
            });
        return result!;
    }

    private void PrintTable(ScenarioResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Title($"{result.Scenario}, {result.Day:yyyy-MM-dd}{(result.Days > 1 ? $" + {result.Days - 1} day(s)" : "")} (all hosts)");
        foreach (var header in new[] { "policy", "peak", "min > high", "migrations", "host-h off", "MAE", "kWh" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        foreach (var p in result.Policies)
        {
            table.AddRow(
                Markup.Escape(p.Name),
                p.PeakMeasured.ToString("P1", c),
                p.MinutesAboveHigh.ToString("F0", c),
                p.Migrations.ToString(c),
                p.HostHoursPoweredDown.ToString("F2", c),
                p.PredictionMae.ToString("F3", c),
                p.EnergyKWh.ToString("F2", c));
        }

        console.Write(table);
        var c2 = CultureInfo.InvariantCulture;
        console.WriteLine(string.Create(c2, $"peak: highest {result.EvaluationInterval.TotalMinutes:F0}-minute mean utilisation of any host (migration load included);"));
        console.WriteLine(string.Create(c2, $"min > high: host-minutes above the {result.Policies[0].Hosts[0].Points[0].High:P0} threshold; host-h off: host-hours in reduced power;"));
        console.WriteLine("MAE: mean absolute error of the 20-minute forecasts; kWh: energy of all hosts.");
    }

    /// <summary>The results as JSON: per policy the headline numbers, and per host the same.</summary>
    public static JsonObject ToJson(ScenarioResult result, string? reportPath)
    {
        ArgumentNullException.ThrowIfNull(result);
        var policies = new JsonArray();
        foreach (var p in result.Policies)
        {
            var hosts = new JsonArray();
            foreach (var h in p.Hosts)
            {
                hosts.Add(new JsonObject
                {
                    ["id"] = h.HostId,
                    ["peakMeasured"] = Round(h.PeakMeasured),
                    ["minutesAboveHigh"] = h.MinutesAboveHigh,
                    ["hoursPoweredDown"] = Round(h.HoursPoweredDown),
                    ["predictionMae"] = h.PredictionMae is { } mae ? Round(mae) : null,
                    ["energyKWh"] = Round(h.EnergyKWh),
                    ["migrationsAway"] = p.MigrationLog.Count(m => m.Source == h.HostId),
                    ["migrationsIn"] = p.MigrationLog.Count(m => m.Destination == h.HostId),
                });
            }

            policies.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["description"] = p.Description,
                ["peakMeasured"] = Round(p.PeakMeasured),
                ["minutesAboveHigh"] = p.MinutesAboveHigh,
                ["migrations"] = p.Migrations,
                ["hostHoursPoweredDown"] = Round(p.HostHoursPoweredDown),
                ["predictionMae"] = double.IsNaN(p.PredictionMae) ? null : Round(p.PredictionMae),
                ["energyKWh"] = Round(p.EnergyKWh),
                ["degradationPercent"] = Round(p.DegradationPercent),
                ["saturatedMinutes"] = Round(p.SaturatedMinutes),
                ["hosts"] = hosts,
            });
        }

        return new JsonObject
        {
            ["scenario"] = result.Scenario,
            ["day"] = result.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["days"] = result.Days,
            ["focusHost"] = result.FocusHostId,
            ["highThreshold"] = result.Policies[0].Hosts[0].Points[0].High,
            ["report"] = reportPath is null ? null : Path.GetFullPath(reportPath),
            ["wallClockSeconds"] = Round(result.WallClock.TotalSeconds),
            ["policies"] = policies,
        };
    }

    private static double Round(double v) => Math.Round(v, 4);

    private sealed class Callback(Action<ScenarioProgress> action) : IProgress<ScenarioProgress>
    {
        public void Report(ScenarioProgress value) => action(value);
    }
}
