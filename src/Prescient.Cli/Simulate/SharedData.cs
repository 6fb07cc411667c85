namespace Prescient.Cli.Simulate;

/// <summary>Finds the real traces: an explicit folder, else <c>../shared/data</c> next to the repository (found by its <c>Functions.sln</c>).</summary>
public static class SharedData
{
    public static string Locate(string? explicitFolder)
    {
        if (explicitFolder is not null)
        {
            return Directory.Exists(explicitFolder)
                ? Path.GetFullPath(explicitFolder)
                : throw new DirectoryNotFoundException($"The data folder '{explicitFolder}' does not exist.");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                    if (Directory.Exists(data))
                    {
                        return data;
                    }
                }
            }
        }

        throw new DirectoryNotFoundException(
            "The real traces were not found (../shared/data next to the repository). Pass --data DIR, or run the synthetic scenario patent-day.");
    }
}
