using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Prescient.Up.Tests;

/// <summary>A fact that is skipped, saying why, when no Chromium is installed (CI installs the Debian package).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null)
        {
            Skip = "Chromium is not installed (apt-get install chromium; .ci/run installs it): the dashboard browser test did not run.";
        }
    }
}

internal static partial class Chromium
{
    public static string? Executable { get; } = new[] { "chromium", "chromium-browser", "google-chrome" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    /// <summary>Runs headless Chromium on <paramref name="url"/> with a virtual time budget (the page's fetches complete) and one action flag.</summary>
    public static async Task<string> RunAsync(string url, string action, TimeSpan budget)
    {
        var profile = Directory.CreateTempSubdirectory("prescient-chromium-");
        try
        {
            var start = new ProcessStartInfo(Executable!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile.FullName, "--window-size=1280,1400",
                "--virtual-time-budget=" + ((int)budget.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                action, url,
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            return await stdout + (process.ExitCode == 0 ? "" : "\nchromium exit " + process.ExitCode + ": " + await stderr);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    public static int Attribute(string dom, string name)
    {
        var match = Regex.Match(dom, "<body[^>]*\\s" + Regex.Escape(name) + "=\"(\\d+)\"");
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }
}

/// <summary>The dashboard in a real browser against the running local pipeline: the charts must draw real data.</summary>
[Collection(UpRunCollection.Name)]
public sealed class DashboardChromiumTests(UpRunFixture run, ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task Fleet_page_draws_measured_and_predicted_points_from_the_api()
    {
        var url = new Uri(run.Pipeline.ApiAddress, "api/dashboard/#fleet").ToString();
        var dom = await Chromium.RunAsync(url, "--dump-dom", TimeSpan.FromSeconds(20));
        var points = Chromium.Attribute(dom, "data-fleet-points");
        output.WriteLine($"fleet chart: {points} points");
        Assert.Contains("data-ready=\"true\"", dom, StringComparison.Ordinal);
        // A day of periods with measured values, plus the predictions made since the run started.
        Assert.True(points > 72, $"the fleet chart drew {points} points:\n{dom[..Math.Min(dom.Length, 2000)]}");
        foreach (var host in run.Pipeline.Fleet.HostIds)
        {
            Assert.Contains($">{host}</a>", dom, StringComparison.Ordinal);
        }

        if (Environment.GetEnvironmentVariable("PRESCIENT_SCREENSHOT") is { Length: > 0 } path)
        {
            await Chromium.RunAsync(url, "--screenshot=" + Path.GetFullPath(path), TimeSpan.FromSeconds(20));
        }
    }

    [ChromiumFact]
    public async Task Host_page_draws_the_host_series_with_its_migrations()
    {
        var migrations = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(run.Api, "api/migrations?status=completed&limit=1");
        var host = migrations.GetArrayLength() > 0 ? migrations[0].GetProperty("sourceHostId").GetString()! : run.Pipeline.Fleet.HostIds[0];
        var url = new Uri(run.Pipeline.ApiAddress, $"api/dashboard/#host/{host}").ToString();
        var dom = await Chromium.RunAsync(url, "--dump-dom", TimeSpan.FromSeconds(20));
        var points = Chromium.Attribute(dom, "data-host-points");
        output.WriteLine($"{host} chart: {points} points");
        Assert.True(points > 72, $"the host chart drew {points} points");
        Assert.Contains($">{host}</h2>", dom, StringComparison.Ordinal);
        if (migrations.GetArrayLength() > 0)
        {
            Assert.Matches("<td><span class=\"badge completed\">completed</span></td>", dom);
        }
    }
}
