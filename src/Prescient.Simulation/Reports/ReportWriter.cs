using System.Globalization;
using System.Text;
using Prescient.Simulation.Engine;

namespace Prescient.Simulation.Reports;

/// <summary>Writes a scenario's report folder: <c>README.md</c> with the results table and PNG charts.</summary>
public static class ReportWriter
{
    /// <summary>Writes the report into <paramref name="folder"/> (created if needed) and returns the Markdown file's path.</summary>
    public static string Write(ScenarioResult result, string folder)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        var charts = new List<(string File, string Caption)>();
        var comparison = "comparison.png";
        WorkloadCharts.Comparison(Path.Combine(folder, comparison), result);
        charts.Add((comparison, $"Measured workload of host {result.FocusHostId} under each policy."));
        foreach (var policy in result.Policies)
        {
            var file = $"{Slug(policy.Name)}-{Slug(result.FocusHostId)}.png";
            WorkloadCharts.HostDay(Path.Combine(folder, file), result, policy, result.FocusHostId);
            charts.Add((file, $"{policy.Name}: host {result.FocusHostId}, measured vs predicted, thresholds, migrations, modes."));
            var fleet = $"{Slug(policy.Name)}-fleet.png";
            WorkloadCharts.Fleet(Path.Combine(folder, fleet), result, policy);
            charts.Add((fleet, $"{policy.Name}: every host's measured workload."));
        }

        var md = Path.Combine(folder, "README.md");
        File.WriteAllText(md, Markdown(result, charts));
        return md;
    }

    public static string Markdown(ScenarioResult result, IReadOnlyList<(string File, string Caption)> charts)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(charts);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"# Scenario `{result.Scenario}`: {result.Day:yyyy-MM-dd}{(result.Days > 1 ? $" and the {result.Days - 1} following day(s)" : "")}").AppendLine().AppendLine();
        sb.AppendLine(result.Description).AppendLine();
        sb.AppendLine("| policy | peak measured | minutes above high | migrations | host-hours powered down | prediction MAE | energy (kWh) | migration slowdown (PDM) | saturated host-minutes |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in result.Policies)
        {
            sb.Append(c, $"| {p.Name} | {p.PeakMeasured:P1} | {p.MinutesAboveHigh:F0} | {p.Migrations} | {p.HostHoursPoweredDown:F2} | {p.PredictionMae:F3} | {p.EnergyKWh:F2} | {p.DegradationPercent:F3} % | {p.SaturatedMinutes:F0} |").AppendLine();
        }

        sb.AppendLine().AppendLine("Measured = mean utilisation over each evaluation interval, migration overheads included; peak and minutes are over all hosts.").AppendLine();
        sb.AppendLine("## Per host").AppendLine();
        sb.AppendLine("| policy | host | peak measured | minutes above high | hours powered down | prediction MAE | energy (kWh) |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var p in result.Policies)
        {
            foreach (var h in p.Hosts)
            {
                sb.Append(c, $"| {p.Name} | {h.HostId} | {h.PeakMeasured:P1} | {h.MinutesAboveHigh:F0} | {h.HoursPoweredDown:F2} | {(h.PredictionMae is { } mae ? mae.ToString("F3", c) : "-")} | {h.EnergyKWh:F2} |").AppendLine();
            }
        }

        sb.AppendLine().AppendLine("## Charts").AppendLine();
        foreach (var (file, caption) in charts)
        {
            sb.Append(c, $"![{caption}]({file})").AppendLine().AppendLine();
            sb.AppendLine(caption).AppendLine();
        }

        sb.AppendLine("## Migrations").AppendLine();
        foreach (var p in result.Policies)
        {
            sb.Append(c, $"### {p.Name}").AppendLine().AppendLine();
            if (p.MigrationLog.Count == 0)
            {
                sb.AppendLine("None.").AppendLine();
                continue;
            }

            sb.AppendLine("| requested | started | finished | VM | from | to | pre-copy rounds | sent (MB) | paused (ms) | reason |");
            sb.AppendLine("|---|---|---|---|---|---|---:|---:|---:|---|");
            foreach (var m in p.MigrationLog)
            {
                sb.Append(c, $"| {Time(m.Requested, result)} | {(m.Started is { } st ? Time(st, result) : "-")} | {(m.Finished is { } fi ? Time(fi, result) : "-")} | {m.VmId} | {m.Source} | {m.Destination} | {m.PreCopyRounds} | {m.SentMb:F0} | {m.Downtime.TotalMilliseconds:F0} | {m.Reason} |").AppendLine();
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Decisions that asked for something").AppendLine();
        foreach (var p in result.Policies.Where(p => p.Decisions.Count > 0))
        {
            sb.Append(c, $"### {p.Name}").AppendLine().AppendLine();
            sb.AppendLine("| time | host | mode | indication | measured | predicted | reason | outcome |");
            sb.AppendLine("|---|---|---|---|---:|---:|---|---|");
            foreach (var d in p.Decisions)
            {
                sb.Append(c, $"| {Time(d.Time, result)} | {d.HostId} | {d.Mode} | {d.Indication} | {d.Measured:P1} | {(d.Predicted is { } pr ? pr.ToString("P1", c) : "-")} | {d.Reason} | {d.Outcome} |").AppendLine();
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Parameters").AppendLine();
        foreach (var line in result.Parameters)
        {
            sb.Append(c, $"- {line}").AppendLine();
        }

        sb.AppendLine().Append(c, $"Simulated in {result.WallClock.TotalSeconds:F1} s of wall-clock time.").AppendLine();
        return sb.ToString();
    }

    private static string Time(DateTimeOffset t, ScenarioResult r) =>
        t.ToString(r.Days == 1 ? "HH:mm:ss" : "ddd HH:mm:ss", CultureInfo.InvariantCulture);

    internal static string Slug(string name) =>
        new([.. name.ToLowerInvariant().Select(ch => char.IsLetterOrDigit(ch) ? ch : '-')]);
}
