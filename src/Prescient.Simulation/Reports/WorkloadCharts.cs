using Prescient.Simulation.Engine;
using ScottPlot;

namespace Prescient.Simulation.Reports;

/// <summary>Charts like the patent's figures: workload over the day, thresholds as lines, migrations and modes marked.</summary>
public static class WorkloadCharts
{
    public const int Width = 1100;

    public const int Height = 520;

    private static readonly Color MeasuredColor = Color.FromHex("#1f4e9e");
    private static readonly Color PredictedColor = Color.FromHex("#e07b00");
    private static readonly Color DemandColor = Color.FromHex("#8c8c8c");
    private static readonly Color ThresholdColor = Color.FromHex("#c0392b");
    private static readonly Color ProactiveShade = Color.FromHex("#2e86de").WithAlpha(0.10);
    private static readonly Color MigrationShade = Color.FromHex("#8e44ad").WithAlpha(0.28);
    private static readonly Color PowerDownShade = Color.FromHex("#27ae60").WithAlpha(0.18);

    /// <summary>One host under one policy: measured, predicted, what the original VMs asked for, thresholds, modes, migrations, power-down.</summary>
    public static void HostDay(string path, ScenarioResult scenario, PolicyResult policy, string hostId)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        ChartFonts.EnsureRegistered();
        var host = policy.Hosts.Single(h => h.HostId == hostId);
        var dayStart = host.Points[0].Time - scenario.EvaluationInterval;
        double Hours(DateTimeOffset t) => (t - dayStart).TotalHours;

        var plot = NewPlot($"{policy.Name}: host {hostId}, {When(scenario)}", "workload (share of host CPU)", scenario);
        ShadeRuns(plot, host.Points, p => p.Mode == "proactive", Hours, ProactiveShade, "proactive mode", scenario.EvaluationInterval);
        ShadeRuns(plot, host.Points, p => p.PowerState != "on", Hours, PowerDownShade, "reduced power", scenario.EvaluationInterval);
        var first = true;
        foreach (var m in policy.MigrationLog.Where(m => (m.Source == hostId || m.Destination == hostId) && m.Started is not null))
        {
            var span = plot.Add.HorizontalSpan(Hours(m.Started!.Value), Hours(m.Finished ?? m.Started.Value) + 0.04);
            span.FillStyle.Color = MigrationShade;
            span.LineStyle.Width = 0;
            if (first)
            {
                span.LegendText = "migration running";
                first = false;
            }
        }

        var xs = host.Points.Select(p => Hours(p.Time)).ToArray();
        var demand = plot.Add.ScatterLine(xs, [.. host.Points.Select(p => p.Demand)]);
        demand.Color = DemandColor;
        demand.LineWidth = 1.5f;
        demand.LinePattern = LinePattern.Dotted;
        demand.LegendText = "without migration";

        var measured = plot.Add.ScatterLine(xs, [.. host.Points.Select(p => p.Measured)]);
        measured.Color = MeasuredColor;
        measured.LineWidth = 2;
        measured.LegendText = "measured";

        var predicted = host.Points.Where(p => p.Predicted is not null).ToList();
        if (predicted.Count > 0)
        {
            var line = plot.Add.ScatterLine(predicted.Select(p => Hours(p.Time)).ToArray(), [.. predicted.Select(p => p.Predicted!.Value)]);
            line.Color = PredictedColor;
            line.LineWidth = 2;
            line.ConnectStyle = ConnectStyle.StepVertical;
            line.LegendText = "predicted (per 20-min period)";
        }

        AddThresholds(plot, host.Points[0].High, host.Points[0].Low);
        var marks = policy.MigrationLog.Where(m => m.Source == hostId && m.Started is not null).ToList();
        if (marks.Count > 0)
        {
            var mk = plot.Add.Markers(marks.Select(m => Hours(m.Started!.Value)).ToArray(), marks.Select(_ => 1.06).ToArray(), MarkerShape.FilledTriangleDown, 9, Color.FromHex("#8e44ad"));
            mk.LegendText = $"migration away ({marks.Count})";
        }

        Finish(plot, path, scenario);
    }

    /// <summary>The focus host's measured workload under every policy on one chart (the patent's figures side by side).</summary>
    public static void Comparison(string path, ScenarioResult scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ChartFonts.EnsureRegistered();
        var plot = NewPlot($"Host {scenario.FocusHostId}, {When(scenario)}: measured workload by policy", "measured workload (share of host CPU)", scenario);
        Color[] palette = [DemandColor, Color.FromHex("#c0392b"), MeasuredColor, Color.FromHex("#16a085")];
        var i = 0;
        foreach (var policy in scenario.Policies)
        {
            var host = policy.Hosts.Single(h => h.HostId == scenario.FocusHostId);
            var dayStart = host.Points[0].Time - scenario.EvaluationInterval;
            var line = plot.Add.ScatterLine(host.Points.Select(p => (p.Time - dayStart).TotalHours).ToArray(), [.. host.Points.Select(p => p.Measured)]);
            line.Color = palette[i++ % palette.Length];
            line.LineWidth = i == 1 ? 1.5f : 2f;
            line.LegendText = $"{policy.Name} (peak {policy.Hosts.Single(h => h.HostId == scenario.FocusHostId).PeakMeasured:P0}, {policy.Migrations} migrations)";
        }

        var first = scenario.Policies[0].Hosts.Single(h => h.HostId == scenario.FocusHostId).Points[0];
        AddThresholds(plot, first.High, first.Low);
        Finish(plot, path, scenario);
    }

    /// <summary>Every host's measured workload under one policy.</summary>
    public static void Fleet(string path, ScenarioResult scenario, PolicyResult policy)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        ChartFonts.EnsureRegistered();
        var plot = NewPlot($"{policy.Name}: every host, {When(scenario)}", "measured workload (share of host CPU)", scenario);
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var host in policy.Hosts)
        {
            var dayStart = host.Points[0].Time - scenario.EvaluationInterval;
            var line = plot.Add.ScatterLine(host.Points.Select(p => (p.Time - dayStart).TotalHours).ToArray(), [.. host.Points.Select(p => p.Measured)]);
            line.Color = palette.GetColor(i++);
            line.LineWidth = 1.8f;
            line.LegendText = $"{host.HostId} (peak {host.PeakMeasured:P0})";
        }

        AddThresholds(plot, policy.Hosts[0].Points[0].High, policy.Hosts[0].Points[0].Low);
        Finish(plot, path, scenario);
    }

    private static string When(ScenarioResult s) =>
        s.Days == 1 ? s.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : $"{s.Days} days from {s.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}";

    private static Plot NewPlot(string title, string yLabel, ScenarioResult scenario)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Family);
        plot.Title(title, 16);
        plot.YLabel(yLabel, 13);
        var hours = 24 * scenario.Days;
        var every = scenario.Days == 1 ? 2 : scenario.Days <= 3 ? 6 : 12;
        var ticks = Enumerable.Range(0, (hours / every) + (scenario.Days == 1 ? 1 : 0)).Select(i => i * every).ToArray();
        var start = scenario.Day.ToDateTime(TimeOnly.MinValue);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        plot.XLabel(scenario.Days == 1 ? "time of day (hours)" : "day and time", 13);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. ticks.Select(h => (double)h)],
            [.. ticks.Select(h => scenario.Days == 1 ? $"{h:00}:00" : start.AddHours(h).ToString("ddd HH:mm", inv))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, 6).Select(i => i * 0.2)], [.. Enumerable.Range(0, 6).Select(i => $"{i * 20} %")]);
        return plot;
    }

    private static void AddThresholds(Plot plot, double high, double low)
    {
        var h = plot.Add.HorizontalLine(high, 1.5f, ThresholdColor, LinePattern.Dashed);
        h.LegendText = $"thresholds ({low:P0} / {high:P0})";
        plot.Add.HorizontalLine(low, 1.5f, ThresholdColor, LinePattern.Dashed);
    }

    private static void ShadeRuns(Plot plot, IReadOnlyList<HostPoint> points, Func<HostPoint, bool> inRun, Func<DateTimeOffset, double> hours, Color color, string label, TimeSpan interval)
    {
        var labelled = false;
        var i = 0;
        while (i < points.Count)
        {
            if (!inRun(points[i]))
            {
                i++;
                continue;
            }

            var j = i;
            while (j + 1 < points.Count && inRun(points[j + 1]))
            {
                j++;
            }

            var span = plot.Add.HorizontalSpan(hours(points[i].Time - interval), hours(points[j].Time));
            span.FillStyle.Color = color;
            span.LineStyle.Width = 0;
            if (!labelled)
            {
                span.LegendText = label;
                labelled = true;
            }

            i = j + 1;
        }
    }

    private static void Finish(Plot plot, string path, ScenarioResult scenario)
    {
        plot.Axes.SetLimits(0, 24 * scenario.Days, 0, 1.12);
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.Legend.FontName = ChartFonts.Family;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }
}
