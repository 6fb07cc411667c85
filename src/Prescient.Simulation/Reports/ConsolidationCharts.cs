using System.Globalization;
using Prescient.Simulation.Consolidation;
using ScottPlot;

namespace Prescient.Simulation.Reports;

/// <summary>Charts of a consolidation benchmark: where each policy lands on energy against ESV, and energy per day.</summary>
public static class ConsolidationCharts
{
    public const int Width = 1100;

    public const int Height = 620;

    private static readonly Color BaselineColor = Color.FromHex("#7f8c8d");
    private static readonly Color HeadlineColor = Color.FromHex("#c0392b");
    private static readonly Color OracleColor = Color.FromHex("#2c3e50");
    private static readonly Color PrescientColor = Color.FromHex("#16a085");

    /// <summary>
    /// One point per policy (medians over days): energy across, ESV up on a log scale, migrations in the label. Lower
    /// left is better on both. A policy with an ESV of 0 is drawn on the bottom edge and labelled so.
    /// </summary>
    public static void Medians(string path, IReadOnlyList<ConsolidationResult> medians, string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(medians);
        if (medians.Count == 0)
        {
            throw new ArgumentException("No results to chart.", nameof(medians));
        }

        ChartFonts.EnsureRegistered();
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Family);
        plot.Title(title, 16);
        plot.XLabel("energy (kWh, median over days)", 13);
        plot.YLabel("ESV = energy x SLATAH x PDM (median, log scale)", 13);

        var positive = medians.Where(m => m.Esv > 0).Select(m => m.Esv).ToList();
        var floor = positive.Count == 0 ? -9 : Math.Floor(Math.Log10(positive.Min())) - 0.5;
        var top = positive.Count == 0 ? -1 : Math.Ceiling(Math.Log10(positive.Max())) + 0.3;
        var inv = CultureInfo.InvariantCulture;
        var minX = medians.Min(m => m.EnergyKWh);
        var maxX = medians.Max(m => m.EnergyKWh);
        var pad = Math.Max(5, (maxX - minX) * 0.12);
        var left = minX - pad;
        var right = maxX + (pad * 2.2);
        var bottom = floor - 0.3;
        var labelled = new HashSet<string>();
        var placed = new List<(double X0, double Y0, double X1, double Y1)>();
        // Highest ESV first; each label goes beside its point, nudged up or down until it overlaps no label placed so
        // far (pixel estimates: the plot area is about the image less 110 px of axes and title).
        foreach (var m in medians.OrderByDescending(m => m.Esv).ThenBy(m => m.EnergyKWh))
        {
            var (color, group) = Group(m.Name);
            var y = m.Esv > 0 ? Math.Log10(m.Esv) : floor;
            var marker = plot.Add.Marker(m.EnergyKWh, y, MarkerShape.FilledCircle, 11, color);
            if (labelled.Add(group))
            {
                marker.LegendText = group;
            }

            var label = string.Create(inv, $"{m.Name}\n{m.Migrations:N0} migrations{(m.Esv > 0 ? "" : ", ESV 0")}");
            var px = (m.EnergyKWh - left) / (right - left) * (Width - 110);
            var py = (top - y) / (top - bottom) * (Height - 110);
            var w = 7.0 * label.Split('\n').Max(l => l.Length);
            const double h = 30;
            var dy = -6.0;
            foreach (var candidate in new[] { -6.0, 18, -30, 42, -54, 66, -78, 90 })
            {
                dy = candidate;
                var box = (px + 8, py + dy, px + 8 + w, py + dy + h);
                if (!placed.Any(b => b.X0 < box.Item3 && box.Item1 < b.X1 && b.Y0 < box.Item4 && box.Item2 < b.Y1))
                {
                    break;
                }
            }

            placed.Add((px + 8, py + dy, px + 8 + w, py + dy + h));
            var text = plot.Add.Text(label, m.EnergyKWh, y);
            text.LabelFontName = ChartFonts.Family;
            text.LabelFontSize = 11;
            text.LabelFontColor = color;
            text.LabelOffsetX = 8;
            text.LabelOffsetY = (float)dy;
        }

        var decades = Enumerable.Range((int)Math.Ceiling(floor), (int)Math.Floor(top) - (int)Math.Ceiling(floor) + 1).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. decades.Select(d => (double)d)], [.. decades.Select(d => "1e" + d.ToString(inv))]);
        plot.Axes.SetLimits(left, right, bottom, top);
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.Legend.FontName = ChartFonts.Family;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Energy per day for the named policies, as grouped bars (days across, one colour per policy).</summary>
    public static void EnergyPerDay(string path, IReadOnlyList<ConsolidationResult> results, IReadOnlyList<string> policies, string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(policies);
        var shown = policies.Where(p => results.Any(r => r.Name == p)).ToList();
        if (shown.Count == 0)
        {
            throw new ArgumentException($"None of {string.Join(", ", policies)} is in the results.", nameof(policies));
        }

        ChartFonts.EnsureRegistered();
        var days = results.Select(r => r.Day).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var plot = new Plot();
        plot.Font.Set(ChartFonts.Family);
        plot.Title(title, 16);
        plot.YLabel("energy (kWh)", 13);
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / shown.Count;
        for (var p = 0; p < shown.Count; p++)
        {
            var color = PolicyColors.TryGetValue(shown[p], out var known) ? known : palette.GetColor(p);
            var bars = new List<Bar>();
            for (var d = 0; d < days.Count; d++)
            {
                var r = results.FirstOrDefault(x => x.Name == shown[p] && x.Day == days[d]);
                if (r is null)
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = d - 0.4 + (width * (p + 0.5)),
                    Value = r.EnergyKWh,
                    Size = width * 0.92,
                    FillColor = color,
                    LineWidth = 0,
                });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = shown[p];
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, days.Count).Select(d => (double)d)], [.. days]);
        var highest = results.Where(r => shown.Contains(r.Name)).Max(r => r.EnergyKWh);
        plot.Axes.SetLimits(-0.6, days.Count - 0.4, 0, highest * 1.32);
        plot.Legend.Alignment = Alignment.UpperCenter;
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.Legend.FontName = ChartFonts.Family;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }

    private static readonly Dictionary<string, Color> PolicyColors = new(StringComparer.Ordinal)
    {
        ["THR-MMT-0.8"] = Color.FromHex("#922b21"),
        ["LR-MMT-1.2"] = Color.FromHex("#e74c3c"),
        ["oracle"] = OracleColor,
        ["prescient-reactive"] = Color.FromHex("#76d7c4"),
        ["prescient-proactive-host"] = Color.FromHex("#16a085"),
        ["prescient-proactive-vm"] = Color.FromHex("#0b5345"),
    };

    private static (Color Color, string Group) Group(string name) => name switch
    {
        "oracle" => (OracleColor, "oracle (perfect 30-minute foresight)"),
        "LR-MMT-1.2" or "THR-MMT-0.8" => (HeadlineColor, "LR-MMT-1.2 and THR-MMT-0.8"),
        _ when name.StartsWith("prescient-", StringComparison.Ordinal) => (PrescientColor, "Prescient"),
        _ => (BaselineColor, "other CCPE-2012 baselines"),
    };
}
