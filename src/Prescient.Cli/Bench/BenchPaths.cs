namespace Prescient.Cli.Bench;

/// <summary>Default data locations: ../shared/data relative to the repository root.</summary>
internal static class BenchPaths
{
    public static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    return dir.FullName;
                }

                dir = dir.Parent;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static string SharedData(params string[] parts) =>
        Path.GetFullPath(Path.Combine([RepoRoot(), "..", "shared", "data", .. parts]));

    /// <summary>Tables printed to a file or pipe get 240 columns instead of 80, so they do not wrap.</summary>
    public static void WidenRedirectedOutput()
    {
        if (Console.IsOutputRedirected)
        {
            Spectre.Console.AnsiConsole.Profile.Width = 240;
        }
    }

    public static IReadOnlyList<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
