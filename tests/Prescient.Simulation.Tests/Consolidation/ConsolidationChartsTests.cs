using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Reports;

namespace Prescient.Simulation.Tests.Consolidation;

public class ConsolidationChartsTests
{
    private static ConsolidationResult Result(string name, string day, double energy, double slatah, double pdm, int migrations) =>
        new() { Name = name, Day = day, Settings = "", EnergyKWh = energy, Slatah = slatah, Pdm = pdm, Migrations = migrations };

    private static (int Width, int Height) PngSize(byte[] bytes)
    {
        Assert.True(bytes.Length > 24, "not a PNG");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        return (BigEndian(bytes, 16), BigEndian(bytes, 20));
    }

    [Fact]
    public void Medians_chart_is_a_png_with_text_and_copes_with_a_zero_esv()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "medians.png");
        ConsolidationCharts.Medians(path,
        [
            Result("LR-MMT-1.2", "median", 225.5, 0.0145, 0.00056, 34_783),
            Result("THR-MMT-0.8", "median", 268.1, 0.0008, 0.00077, 43_861),
            Result("oracle", "median", 186.3, 0, 0.0001, 10_088),
            Result("prescient-proactive-vm", "median", 154.8, 0.0024, 0.00019, 4_279),
        ], "test");

        var bytes = File.ReadAllBytes(path);
        Assert.Equal((ConsolidationCharts.Width, ConsolidationCharts.Height), PngSize(bytes));
        // Labels and axes drawn with the shipped font make the file far larger than an empty canvas (a few KB).
        Assert.True(bytes.Length > 20_000, $"only {bytes.Length} bytes");
    }

    [Fact]
    public void Energy_per_day_chart_draws_the_named_policies_and_refuses_names_not_in_the_results()
    {
        using var folder = new TempFolder();
        var results = new[]
        {
            Result("LR-MMT-1.2", "20110303", 235.3, 0.01, 0.0005, 34_000),
            Result("LR-MMT-1.2", "20110306", 189.5, 0.01, 0.0005, 28_000),
            Result("prescient-proactive-vm", "20110303", 165.0, 0.002, 0.0002, 4_000),
            Result("prescient-proactive-vm", "20110306", 130.6, 0.002, 0.0002, 3_800),
        };
        var path = Path.Combine(folder.Path, "days.png");
        ConsolidationCharts.EnergyPerDay(path, results, ["LR-MMT-1.2", "prescient-proactive-vm"], "test");
        Assert.Equal((ConsolidationCharts.Width, ConsolidationCharts.Height), PngSize(File.ReadAllBytes(path)));

        var e = Assert.Throws<ArgumentException>(() => ConsolidationCharts.EnergyPerDay(Path.Combine(folder.Path, "x.png"), results, ["MAD-MMT-2.5"], "test"));
        Assert.Contains("MAD-MMT-2.5", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "x.png")));
    }
}
