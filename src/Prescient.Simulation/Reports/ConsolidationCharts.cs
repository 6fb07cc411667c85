using System.Globalization;
using Prescient.Simulation.Consolidation;
using ScottPlot;

namespace Prescient.Simulation.Reports;

/// <summary>Charts of a consolidation benchmark: where each policy lands on energy against ESV, and energy per day.</summary>
public static class ConsolidationCharts
{
    public const int Width = 1100;

    public const int Height = 620;

    /// <summary>The medians chart is taller: its legend, one line per policy, sits under the plot.</summary>
    public const int MediansHeight = Height + 160;

    private static readonly Color BaselineColor = Color.FromHex("#7f8c8d");
    private static readonly Color HeadlineColor = Color.FromHex("#c0392b");
    private static readonly Color OracleColor = Color.FromHex("#2c3e50");
    private static readonly Color PrescientColor = Color.FromHex("#16a085");

    /// <summary>
    /// One point per policy (medians over days): energy across, ESV up on a log scale, migrations in the label. Lower
    /// left is better on both. A policy with an ESV of 0 is drawn on the bottom edge and labelled so. With
    /// <paramref name="energyFloorKWh"/>, a dashed vertical line marks the energy floor (no policy serving all demand can
    /// be left of it).
    /// </summary>
    public static void Medians(string path, IReadOnlyList<ConsolidationResult> medians, string title, double? energyFloorKWh = null)
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
        var minX = Math.Min(medians.Min(m => m.EnergyKWh), energyFloorKWh ?? double.MaxValue);
        var maxX = medians.Max(m => m.EnergyKWh);
        var pad = ((maxX - minX) * 0.08) + (maxX * 0.02);
        var left = minX - pad;
        var right = maxX + pad;
        var bottom = floor - 0.3;
        // One legend entry per policy (its own colour and marker shape), with its migrations: labels beside the
        // points collide when policies land close together.
        var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in medians.OrderBy(m => m.EnergyKWh))
        {
            var (color, group) = Group(m.Name);
            shapes[group] = shapes.TryGetValue(group, out var n) ? n + 1 : 0;
            var y = m.Esv > 0 ? Math.Log10(m.Esv) : floor;
            var marker = plot.Add.Marker(m.EnergyKWh, y, Shapes[shapes[group] % Shapes.Length], 13, Shade(color, shapes[group]));
            marker.LegendText = string.Create(inv, $"{m.Name}: {m.EnergyKWh:0.##} kWh, ESV {(m.Esv > 0 ? m.Esv.ToString("0.00e+00", inv) : "0")}, {m.Migrations:N0} migrations");
        }

        if (energyFloorKWh is { } floorKWh)
        {
            var line = plot.Add.VerticalLine(floorKWh, 2, OracleColor, LinePattern.Dashed);
            line.LegendText = string.Create(inv, $"energy floor (all demand on the most efficient hosts, no migration cost): {floorKWh:0.##} kWh");
        }

        var decades = Enumerable.Range((int)Math.Ceiling(floor), (int)Math.Floor(top) - (int)Math.Ceiling(floor) + 1).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. decades.Select(d => (double)d)], [.. decades.Select(d => "1e" + d.ToString(inv))]);
        plot.Axes.SetLimits(left, right, bottom, top);
        plot.Legend.FontName = ChartFonts.Family;
        plot.Legend.FontSize = 11;
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, MediansHeight);
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

    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    /// <summary>The n-th member of a group: the group's colour, lighter for later members.</summary>
    private static Color Shade(Color color, int n) => n == 0 ? color : color.Lighten(Math.Min(0.6, 0.22 * n));

    private static (Color Color, string Group) Group(string name) => name switch
    {
        "oracle" => (OracleColor, "oracle (perfect 30-minute foresight)"),
        "LR-MMT-1.2" or "THR-MMT-0.8" => (HeadlineColor, "LR-MMT-1.2 and THR-MMT-0.8"),
        _ when name.StartsWith("prescient-", StringComparison.Ordinal) => (PrescientColor, "Prescient"),
        _ => (BaselineColor, "other CCPE-2012 baselines"),
    };
}
