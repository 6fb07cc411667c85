using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Cli.Up;

/// <summary>
/// What a run of the local pipeline achieved, read back through its own operations API (HTTP), never from the
/// command's own counters: windows stored, models trained, hosts in proactive mode (and how many got there by
/// autostart), migrations completed and aborted, hosts powered down, VMs found running on two hosts at once, and how
/// long powered hosts spent above their high threshold during the run (from each host's series: measured workload and
/// the range in force per period). <see cref="PeriodsBehind"/> is the one figure the command counts itself: periods
/// for which its simulated clock had to wait for the pipeline.
/// </summary>
public sealed record UpSummary(
    [property: JsonPropertyName("windows")] int Windows,
    [property: JsonPropertyName("models")] int Models,
    [property: JsonPropertyName("hostsProactive")] int HostsProactive,
    [property: JsonPropertyName("hostsSwitchedByAutostart")] int HostsSwitchedByAutostart,
    [property: JsonPropertyName("decisions")] int Decisions,
    [property: JsonPropertyName("migrationsCompleted")] int MigrationsCompleted,
    [property: JsonPropertyName("migrationsAborted")] int MigrationsAborted,
    [property: JsonPropertyName("migrationsRunning")] int MigrationsRunning,
    [property: JsonPropertyName("hostsPoweredDown")] int HostsPoweredDown,
    [property: JsonPropertyName("vmsOnTwoHosts")] int VmsOnTwoHosts,
    [property: JsonPropertyName("hostHoursAboveHigh")] double HostHoursAboveHigh,
    [property: JsonPropertyName("longestOverloadPeriods")] int LongestOverloadPeriods,
    [property: JsonPropertyName("periodsBehind")] int PeriodsBehind,
    [property: JsonPropertyName("simulatedFrom")] DateTimeOffset SimulatedFrom,
    [property: JsonPropertyName("simulatedTo")] DateTimeOffset SimulatedTo)
{
    /// <summary>Reads the summary: windows from <paramref name="from"/> (the history included), overload over the run (<paramref name="runFrom"/> to <paramref name="to"/>).</summary>
    public static async Task<UpSummary> ReadAsync(HttpClient api, DateTimeOffset from, DateTimeOffset runFrom, DateTimeOffset to, int periodsBehind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        using var hosts = await GetAsync(api, "api/hosts", cancellationToken);
        int windows = 0, models = 0, proactive = 0, autostart = 0, poweredDown = 0, periodsAbove = 0, longestAbove = 0;
        var vmHosts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var host in hosts.RootElement.EnumerateArray())
        {
            var id = host.GetProperty("id").GetString()!;
            proactive += host.GetProperty("mode").GetString() == "proactive" ? 1 : 0;
            poweredDown += host.GetProperty("powerState").GetString() == "reducedPower" ? 1 : 0;
            using var detail = await GetAsync(api, $"api/hosts/{Uri.EscapeDataString(id)}", cancellationToken);
            models += detail.RootElement.TryGetProperty("modelTrainedAt", out var trained) && trained.ValueKind == JsonValueKind.String ? 1 : 0;
            foreach (var vm in detail.RootElement.GetProperty("vms").EnumerateArray())
            {
                var vmId = vm.GetProperty("vmId").GetString()!;
                vmHosts[vmId] = vmHosts.GetValueOrDefault(vmId) + 1;
            }

            // The series API takes at most 31 days per call.
            var switched = false;
            var run = 0;
            DateTimeOffset? previous = null;
            for (var start = from; start < to; start += TimeSpan.FromDays(30))
            {
                var end = start + TimeSpan.FromDays(30) < to ? start + TimeSpan.FromDays(30) : to;
                using var series = await GetAsync(api, $"api/hosts/{Uri.EscapeDataString(id)}/series?from={Iso(start)}&to={Iso(end)}", cancellationToken);
                foreach (var point in series.RootElement.GetProperty("points").EnumerateArray())
                {
                    if (!(point.TryGetProperty("measured", out var m) && m.ValueKind == JsonValueKind.Number))
                    {
                        continue;
                    }

                    windows++;
                    var at = point.GetProperty("periodStart").GetDateTimeOffset();
                    if (at < runFrom)
                    {
                        continue;
                    }

                    // A measured period is a powered one; a gap (asleep, or no telemetry) ends a run of overloaded periods.
                    var above = m.GetDouble() > point.GetProperty("high").GetDouble();
                    run = above ? (previous is { } p && at - p <= Period ? run + 1 : 1) : 0;
                    previous = at;
                    periodsAbove += above ? 1 : 0;
                    longestAbove = Math.Max(longestAbove, run);
                }

                switched |= series.RootElement.GetProperty("modeChanges").EnumerateArray()
                    .Any(c => c.GetProperty("to").GetString() == "proactive" && c.GetProperty("reason").GetString()!.StartsWith("Autostart", StringComparison.Ordinal));
            }

            autostart += switched ? 1 : 0;
        }

        using var migrations = await GetAsync(api, "api/migrations?limit=1000", cancellationToken);
        var statuses = migrations.RootElement.EnumerateArray().Select(m => m.GetProperty("status").GetString()).ToList();
        using var decisions = await GetAsync(api, "api/decisions?limit=1000", cancellationToken);
        return new UpSummary(
            windows,
            models,
            proactive,
            autostart,
            decisions.RootElement.GetProperty("decisions").GetArrayLength(),
            statuses.Count(s => s == "completed"),
            statuses.Count(s => s is "aborted" or "failed" or "cancelled"),
            statuses.Count(s => s is "running" or "pending"),
            poweredDown,
            vmHosts.Count(p => p.Value > 1),
            Math.Round(periodsAbove * Period.TotalHours, 2),
            longestAbove,
            periodsBehind,
            from,
            to);
    }

    private static readonly TimeSpan Period = TimeSpan.FromMinutes(20);

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private static async Task<JsonDocument> GetAsync(HttpClient api, string path, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
    }
}
