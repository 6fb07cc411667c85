using System.Diagnostics;
using System.Globalization;

namespace Prescient.Local.Benchmarks;

/// <summary>One kind of read and how often it comes in the mix (relative weight).</summary>
public sealed record ApiRead(string Name, string Path, int Weight);

/// <summary>Latency figures of a set of requests, in milliseconds.</summary>
public sealed record LatencyStats(int Requests, int Errors, double P50, double P95, double P99, double Max)
{
    public static LatencyStats Of(IReadOnlyList<(double Ms, bool Ok)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sorted = samples.Select(s => s.Ms).Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencyStats(samples.Count, samples.Count(s => !s.Ok), At(0.50), At(0.95), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }
}

/// <summary>One pass of the load: the rate asked for and achieved, overall and per-read latency.</summary>
public sealed record ApiLoadResult(double TargetRate, double AchievedRate, TimeSpan Duration, LatencyStats Overall, IReadOnlyDictionary<string, LatencyStats> ByRead);

/// <summary>
/// An open-loop load of API reads: requests start on a fixed schedule (<c>rate</c> per second, cycling through the
/// weighted mix) whether or not earlier ones have answered, so a slow server cannot slow the load down and hide its
/// own latency (no coordinated omission). Each latency is measured from the request's scheduled start to the end of
/// reading its body; a non-2xx answer or a failure counts as an error (with its latency).
/// </summary>
public static class ApiReadLoad
{
    public static async Task<ApiLoadResult> RunAsync(
        HttpClient http, IReadOnlyList<ApiRead> mix, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        // The weighted mix in a fixed shuffled order, so a short pass still samples every kind of read in proportion.
        var schedule = mix.SelectMany(r => Enumerable.Repeat(r, r.Weight)).ToArray();
        new Random(16).Shuffle(schedule);
        var total = (int)Math.Round(rate * duration.TotalSeconds);
        var results = new (string Read, double Ms, bool Ok)[total];
        var inFlight = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var index = i;
            var read = schedule[i % schedule.Length];
            inFlight.Add(Task.Run(async () =>
            {
                var ok = false;
                try
                {
                    using var answer = await http.GetAsync(new Uri(read.Path, UriKind.Relative), cancellationToken);
                    await answer.Content.ReadAsByteArrayAsync(cancellationToken);
                    ok = answer.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                }

                results[index] = (read.Name, (clock.Elapsed - due).TotalMilliseconds, ok);
            }, CancellationToken.None));
        }

        var sent = clock.Elapsed;
        await Task.WhenAll(inFlight);
        var byRead = results.GroupBy(r => r.Read, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => LatencyStats.Of([.. g.Select(r => (r.Ms, r.Ok))]), StringComparer.Ordinal);
        return new ApiLoadResult(rate, total / sent.TotalSeconds, clock.Elapsed, LatencyStats.Of([.. results.Select(r => (r.Ms, r.Ok))]), byRead);
    }

    /// <summary>What the dashboard reads, weighted as its pages read it (the fleet page reads every host's series).</summary>
    public static IReadOnlyList<ApiRead> DashboardMix(IReadOnlyList<string> hostIds)
    {
        ArgumentNullException.ThrowIfNull(hostIds);
        var reads = new List<ApiRead>
        {
            new("hosts", "api/hosts", 4),
            new("migrations", "api/migrations?limit=1000", 3),
            new("decisions", "api/decisions?limit=100", 2),
            new("settings", "api/settings", 1),
            new("deadletters", "api/deadletters", 1),
        };
        foreach (var host in hostIds)
        {
            reads.Add(new("host series", "api/hosts/" + Uri.EscapeDataString(host) + "/series", 2));
            reads.Add(new("host detail", "api/hosts/" + Uri.EscapeDataString(host), 1));
        }

        reads.Add(new("effective settings", "api/settings/effective?host=" + Uri.EscapeDataString(hostIds[0]), 1));
        return reads;
    }

    public static string Describe(LatencyStats s) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {s.P50:0} ms, p95 {s.P95:0} ms, p99 {s.P99:0} ms, max {s.Max:0} ms ({s.Requests} requests, {s.Errors} errors)");
}
