using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Pipeline.Storage;
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
    public async Task Fleet_page_draws_measured_and_predicted_points_the_hottest_hosts_and_the_pipeline_clock()
    {
        var url = new Uri(run.Pipeline.ApiAddress, "api/dashboard/#fleet").ToString();
        var before = run.Pipeline.Clock.GetUtcNow();
        var dom = await Chromium.RunAsync(url, "--dump-dom", TimeSpan.FromSeconds(20));
        var after = run.Pipeline.Clock.GetUtcNow();
        var points = Chromium.Attribute(dom, "data-fleet-points");
        output.WriteLine($"fleet chart: {points} points");
        Assert.Contains("data-ready=\"true\"", dom, StringComparison.Ordinal);
        // A day of periods with measured values, plus the predictions made since the run started.
        Assert.True(points > 72, $"the fleet chart drew {points} points:\n{dom[..Math.Min(dom.Length, 2000)]}");
        // Hot spots: the hottest host and the 90th percentile per period, and the hosts-by-period heat strip.
        Assert.True(Chromium.Attribute(dom, "data-fleet-max-points") > 72, "no hottest-host line");
        Assert.True(Chromium.Attribute(dom, "data-fleet-p90-points") > 72, "no 90th-percentile line");
        // A cell per measured host period: most of a day for every host (a host powered down measures nothing).
        var cells = Chromium.Attribute(dom, "data-heat-cells");
        output.WriteLine($"heat strip: {cells} cells");
        Assert.True(cells > 36 * run.Pipeline.Fleet.HostIds.Count, $"the heat strip drew {cells} cells");
        Assert.Contains("Hottest: ", dom, StringComparison.Ordinal);
        // The header shows the pipeline's (simulated) clock, read while the page loaded, not the real time.
        var clock = DateTimeOffset.Parse(Regex.Match(dom, "data-clock=\"([^\"]+)\"").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(clock, before, after);
        Assert.Contains("pipeline clock", dom, StringComparison.Ordinal);
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

    [ChromiumFact]
    public async Task Dead_letters_page_lists_what_ingest_refused_with_counts_by_reason()
    {
        // A message an agent would never send: ingest refuses it, and the API then lists it.
        var storage = run.Pipeline.Services.GetRequiredService<PrescientStorage>();
        var queue = storage.Queues.GetQueueClient(storage.Names.TelemetryQueue);
        await queue.SendMessageAsync(Convert.ToBase64String("{\"schemaVersion\":1,\"hostId\":\"..\",\"samples\":[]}"u8));
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while ((await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(run.Api, "api/deadletters?reason=invalid-host-id"))
            .GetProperty("deadLetters").GetArrayLength() == 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "ingest did not dead-letter the message within a minute");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        var url = new Uri(run.Pipeline.ApiAddress, "api/dashboard/#deadletters").ToString();
        var dom = await Chromium.RunAsync(url, "--dump-dom", TimeSpan.FromSeconds(20));
        Assert.True(Chromium.Attribute(dom, "data-dead-letters") >= 1, dom[..Math.Min(dom.Length, 2000)]);
        Assert.Contains("invalid-host-id (1 rows)", dom, StringComparison.Ordinal);
        Assert.Contains("hostId '..' starts with '.'", dom, StringComparison.Ordinal);
    }
}
