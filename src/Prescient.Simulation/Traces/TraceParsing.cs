using System.Globalization;

namespace Prescient.Simulation.Traces;

/// <summary>Shared parsing helpers: every failure names the file, the line and what was wrong.</summary>
internal static class TraceParsing
{
    public static double ParseNumber(string file, int line, string text, string what)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new TraceFormatException(file, line, $"{what} is empty.");
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new TraceFormatException(file, line, $"{what} '{Shorten(trimmed)}' is not a number.");
        }

        return value;
    }

    /// <summary>A CPU percentage in [0, 100] (a little above 100 from rounding is clamped) as a fraction.</summary>
    public static double ParsePercent(string file, int line, string text, string what)
    {
        var value = ParseNumber(file, line, text, what);
        if (value < 0 || value > 100.5)
        {
            throw new TraceFormatException(file, line, $"{what} {value.ToString(CultureInfo.InvariantCulture)} is outside 0..100 %.");
        }

        return Math.Min(value, 100) / 100.0;
    }

    public static long ParseInteger(string file, int line, string text, string what)
    {
        var trimmed = text.Trim();
        if (!long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new TraceFormatException(file, line, $"{what} '{Shorten(trimmed)}' is not an integer.");
        }

        return value;
    }

    public static IEnumerable<(int Line, string Text)> Lines(string path)
    {
        if (!File.Exists(path))
        {
            throw new TraceFormatException(path, 0, "file not found.");
        }

        var n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            yield return (n, raw.TrimEnd('\r'));
        }
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
