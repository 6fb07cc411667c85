using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Traces;

/// <summary>A fact that runs only when the real traces (../shared/data from the repository root) are present.</summary>
public sealed class RequiresSharedDataFactAttribute : FactAttribute
{
    public RequiresSharedDataFactAttribute()
    {
        if (RealData.Folder is null)
        {
            Skip = "The real traces are not here: ../shared/data (relative to the repository root) is absent. These tests read them when present; the project's own tests use synthetic series.";
        }
    }
}

internal static class RealData
{
    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(data) ? data : null;
            }
        }

        return null;
    }
}

public class RealDataTests
{
    private static readonly DateTimeOffset Origin = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [RequiresSharedDataFact]
    public void Every_format_in_the_shared_data_reads_without_error()
    {
        var root = RealData.Folder!;
        var planetLabDay = Directory.EnumerateDirectories(Path.Combine(root, "planetlab")).Order(StringComparer.Ordinal).First();
        var vms = PlanetLabReader.ReadDay(planetLabDay, limit: 50);
        Assert.Equal(50, vms.Count);
        Assert.All(vms, v => Assert.Equal(288, v.Count));

        var bitbrains = BitbrainsReader.ReadFile(Path.Combine(root, "bitbrains-rnd", "2013-7", "1.csv"));
        Assert.True(bitbrains.Count > 8000);
        Assert.InRange(bitbrains.Step, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(300));

        var alibaba = AlibabaMachineUsageReader.ReadFile(Path.Combine(root, "alibaba2018", "machine_usage.csv"), Origin);
        Assert.Equal(10, alibaba.Count);
        Assert.Contains(alibaba.Values, s => s.End - s.Start > TimeSpan.FromDays(7));
        Assert.All(alibaba.Values, s => Assert.True(s.Count > 1000));

        var azure = AzureV1Reader.ReadFile(Path.Combine(root, "azure-v1", "microsoft_avg_100_part1.csv"), Origin);
        Assert.Equal(50, azure.Count);
        Assert.All(azure, s => Assert.True(s.Count > 8000));

        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "datacenter-aggregates"), "*.csv"))
        {
            Assert.True(DatacenterAggregateReader.ReadFile(file, Origin).Count > 2000);
        }
    }
}
