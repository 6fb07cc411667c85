namespace Prescient.Simulation.Reports;

/// <summary>
/// Registers the shipped DejaVu Sans with ScottPlot (which silently draws no text on machines without fonts). The
/// TTFs are embedded resources, written once to a temporary folder because ScottPlot loads fonts from files.
/// </summary>
public static class ChartFonts
{
    public const string Family = "DejaVu Sans";

    private static readonly Lock Gate = new();
    private static bool _registered;

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            var folder = Path.Combine(Path.GetTempPath(), "prescient-fonts");
            Directory.CreateDirectory(folder);
            ScottPlot.Fonts.AddFontFile(Family, Extract(folder, "DejaVuSans.ttf"), bold: false, italic: false);
            ScottPlot.Fonts.AddFontFile(Family, Extract(folder, "DejaVuSans-Bold.ttf"), bold: true, italic: false);
            ScottPlot.Fonts.Default = Family;
            _registered = true;
        }
    }

    private static string Extract(string folder, string file)
    {
        var path = Path.Combine(folder, file);
        using var resource = typeof(ChartFonts).Assembly.GetManifestResourceStream($"Prescient.Simulation.Fonts.{file}")
            ?? throw new InvalidOperationException($"The font resource '{file}' is missing from the assembly.");
        if (File.Exists(path) && new FileInfo(path).Length == resource.Length)
        {
            return path;
        }

        var temp = path + "." + Environment.ProcessId + ".tmp";
        using (var output = File.Create(temp))
        {
            resource.CopyTo(output);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }
}
