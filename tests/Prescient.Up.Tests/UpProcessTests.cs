using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Xunit.Abstractions;

namespace Prescient.Up.Tests;

/// <summary>
/// A data folder in which one <c>up</c> has already started (history written, networks trained) and stopped, so the
/// tests' own starts resume it in seconds.
/// </summary>
public sealed class UpDataFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "prescient-up-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        await using var up = UpProcess.Start(DataDirectory, UpProcessTests.Arguments);
        await up.WaitUntilUpAsync(TimeSpan.FromMinutes(5));
        up.SignalGroup("INT");
        Assert.Equal(0, await up.WaitForExitAsync(TimeSpan.FromMinutes(2)));
    }

    public async Task DisposeAsync()
    {
        // An Azurite may still be saving (after a test killed its up): give it the time it needs.
        if (UpProcess.ReadPids(DataDirectory) is { } pids)
        {
            await UpProcess.WaitUntilGoneAsync(pids.Azurite, TimeSpan.FromSeconds(60));
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UpProcessCollection : ICollectionFixture<UpDataFixture>
{
    public const string Name = "up processes";
}

/// <summary>
/// <c>up</c> as a user runs it: a child process in its own process group, stopped by Ctrl-C as a terminal sends it,
/// killed hard and restarted on the same data folder.
/// </summary>
[Collection(UpProcessCollection.Name)]
public sealed class UpProcessTests(UpDataFixture data, ITestOutputHelper output)
{
    /// <summary>A 20-minute period every 2.5 s, from the evening (evacuations) on: migrations are often in flight.</summary>
    public static readonly string[] Arguments = ["--speed", "480", "--start", "18:00"];

    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Ctrl_C_stops_up_within_30_s_ten_times_in_a_row_in_order_with_migrations_in_flight()
    {
        var stops = new List<(TimeSpan Took, int InFlight)>();
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            await using var up = UpProcess.Start(data.DataDirectory, Arguments);
            using var api = new HttpClient { BaseAddress = await up.WaitUntilUpAsync(StartLimit), Timeout = TimeSpan.FromSeconds(30) };
            var inFlight = await RunningMigrationsAsync(api, up, TimeSpan.FromSeconds(60));
            var azurite = UpProcess.ReadPids(data.DataDirectory)!.Value.Azurite;

            var watch = Stopwatch.StartNew();
            up.SignalGroup("INT");
            var exit = await up.WaitForExitAsync(TimeSpan.FromSeconds(90));
            watch.Stop();
            stops.Add((watch.Elapsed, inFlight.Count));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"try {attempt}: stopped in {watch.Elapsed.TotalSeconds:F1} s with {inFlight.Count} migration(s) in flight; {up.Lines.LastOrDefault(l => l.StartsWith("Stopped", StringComparison.Ordinal))}"));

            Assert.True(exit == 0, $"try {attempt}: exit {exit?.ToString(CultureInfo.InvariantCulture) ?? "none (still running)"}\n{up.Output}");
            Assert.Contains(up.Lines, l => l.StartsWith("Stopping (SIGINT)", StringComparison.Ordinal));
            // The terminal's SIGINT reached up only: up stopped Azurite itself, last, and nothing is left running.
            Assert.False(UpProcess.IsAlive(azurite), $"try {attempt}: Azurite (pid {azurite}) outlived up");
            Assert.True(watch.Elapsed <= TimeSpan.FromSeconds(30), $"try {attempt}: the stop took {watch.Elapsed.TotalSeconds:F1} s\n{up.Output}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stop times over {stops.Count} tries: min {stops.Min(s => s.Took.TotalSeconds):F1} s, median {stops.Select(s => s.Took.TotalSeconds).Order().ElementAt(stops.Count / 2):F1} s, max {stops.Max(s => s.Took.TotalSeconds):F1} s; {stops.Count(s => s.InFlight > 0)} with migrations in flight"));
        Assert.True(stops.Count(s => s.InFlight > 0) >= 5, "fewer than half the stops had migrations in flight");
    }

    [Fact]
    public async Task A_second_Ctrl_C_stops_up_at_once()
    {
        await using var up = UpProcess.Start(data.DataDirectory, Arguments);
        using var api = new HttpClient { BaseAddress = await up.WaitUntilUpAsync(StartLimit), Timeout = TimeSpan.FromSeconds(30) };
        await RunningMigrationsAsync(api, up, TimeSpan.FromSeconds(60));
        var azurite = UpProcess.ReadPids(data.DataDirectory)!.Value.Azurite;

        up.SignalGroup("INT");
        await up.WaitForLineAsync(l => l.StartsWith("Stopping (SIGINT)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        up.SignalGroup("INT");
        var exit = await up.WaitForExitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine($"second Ctrl-C: exit {exit} after {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(130, exit);
        Assert.Contains(up.Lines, l => l.StartsWith("Stopping at once", StringComparison.Ordinal));
        Assert.True(await UpProcess.WaitUntilGoneAsync(azurite, TimeSpan.FromSeconds(15)), $"Azurite (pid {azurite}) outlived up");
    }

    [Fact]
    public async Task After_SIGKILL_mid_migration_a_restart_on_the_same_data_resumes_and_leaves_no_migration_stuck_no_lease_held_and_every_vm_on_one_host()
    {
        IReadOnlyList<string> killedInFlight;
        int azurite;
        await using (var first = UpProcess.Start(data.DataDirectory, Arguments))
        {
            using var api = new HttpClient { BaseAddress = await first.WaitUntilUpAsync(StartLimit), Timeout = TimeSpan.FromSeconds(30) };
            killedInFlight = await RunningMigrationsAsync(api, first, TimeSpan.FromSeconds(120));
            Assert.NotEmpty(killedInFlight);
            azurite = UpProcess.ReadPids(data.DataDirectory)!.Value.Azurite;
            first.KillHard();
            Assert.NotNull(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        output.WriteLine($"killed with {killedInFlight.Count} migration(s) in flight: {string.Join(", ", killedInFlight)}");
        // Azurite dies with up (its parent-death signal): no orphan holds the ports and the folder.
        Assert.True(await UpProcess.WaitUntilGoneAsync(azurite, TimeSpan.FromSeconds(30)), $"Azurite (pid {azurite}) was orphaned");

        await using var second = UpProcess.Start(data.DataDirectory, Arguments);
        using var http = new HttpClient { BaseAddress = await second.WaitUntilUpAsync(StartLimit), Timeout = TimeSpan.FromSeconds(30) };
        output.WriteLine(second.Lines.First(l => l.StartsWith("Resumed", StringComparison.Ordinal)));

        // A second up on the folder in use is refused, with a message saying why.
        await using (var intruder = UpProcess.Start(data.DataDirectory, Arguments))
        {
            Assert.Equal(1, await intruder.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains(intruder.Lines, l => l.Contains("is in use by another Prescient process", StringComparison.Ordinal));
        }

        // No migration of the killed run stays running: each resumes from its checkpoint and ends, or is settled.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        var statuses = new Dictionary<string, string>();
        while (true)
        {
            foreach (var id in killedInFlight)
            {
                var detail = await http.GetFromJsonAsync<JsonElement>($"api/migrations/{Uri.EscapeDataString(id)}");
                statuses[id] = detail.GetProperty("migration").GetProperty("status").GetString() + ": " + detail.GetProperty("outcome").GetString();
            }

            if (statuses.Values.All(s => !s.StartsWith("running", StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(1000);
        }

        output.WriteLine(string.Join("\n", statuses.Select(p => $"{p.Key}: {p.Value}")));
        Assert.All(statuses.Values, s => Assert.False(s.StartsWith("running", StringComparison.Ordinal), s));

        // No lease outlives its migration: every lease held belongs to a migration still running.
        var leases = new TableServiceClient($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};TableEndpoint={second.TableEndpoint};")
            .GetTableClient("VmLeases");
        foreach (var id in killedInFlight)
        {
            Assert.Empty(leases.Query<TableEntity>(e => e.PartitionKey == "vm").Where(e => e.GetString("Owner") == id).ToList());
        }

        foreach (var lease in leases.Query<TableEntity>(e => e.PartitionKey == "vm").ToList())
        {
            var owner = lease.GetString("Owner");
            var status = (await http.GetFromJsonAsync<JsonElement>($"api/migrations?limit=1000")).EnumerateArray()
                .FirstOrDefault(m => m.GetProperty("migrationId").GetString() == owner);
            var stillThere = (await leases.GetEntityIfExistsAsync<TableEntity>("vm", lease.RowKey)).HasValue;
            Assert.True(!stillThere || status.ValueKind == JsonValueKind.Undefined || status.GetProperty("status").GetString() == "running",
                $"VM {lease.RowKey} is leased by {owner}, which is {status}");
        }

        // Every VM runs on exactly one host (as the hosts' telemetry shows it once it has settled).
        await EveryVmOnOneHostAsync(http);

        second.SignalGroup("INT");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Invalid_migration_options_stop_up_at_start_with_a_message_that_names_them()
    {
        var folder = Path.Combine(Path.GetTempPath(), "prescient-up-invalid-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var up = UpProcess.Start(folder, new Dictionary<string, string> { ["Migration__EvacuationConcurrency"] = "0" }, Arguments);

            Assert.Equal(1, await up.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            Assert.Contains(up.Lines, l => l.StartsWith("Prescient could not start", StringComparison.Ordinal) && l.Contains("EvacuationConcurrency", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// Migrations running now, waiting up to <paramref name="timeout"/> for one; evacuations are started by lowering
    /// the range's low threshold through the settings API if the run makes none by itself.
    /// </summary>
    private static async Task<IReadOnlyList<string>> RunningMigrationsAsync(HttpClient api, UpProcess up, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var nudged = false;
        while (true)
        {
            var running = (await api.GetFromJsonAsync<JsonElement>("api/migrations?status=running&limit=100")).EnumerateArray()
                .Select(m => m.GetProperty("migrationId").GetString()!).ToList();
            if (running.Count > 0 || DateTime.UtcNow > deadline)
            {
                return running;
            }

            if (!nudged && DateTime.UtcNow > deadline - (timeout / 2))
            {
                nudged = true;
                using var request = new HttpRequestMessage(HttpMethod.Put, "api/settings/global")
                {
                    Content = new StringContent("""{"reactiveRange":{"low":0.45,"high":0.8},"proactiveRange":{"low":0.45,"high":0.8}}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation("If-Match", "*");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", up.Token);
                using var response = await api.SendAsync(request);
            }

            await Task.Delay(250);
        }
    }

    private static async Task EveryVmOnOneHostAsync(HttpClient api)
    {
        var expected = Cli.Up.DemoFleet.Create(16, 7).Vms.Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var host in (await api.GetFromJsonAsync<JsonElement>("api/hosts")).EnumerateArray())
            {
                var detail = await api.GetFromJsonAsync<JsonElement>($"api/hosts/{host.GetProperty("id").GetString()}");
                foreach (var vm in detail.GetProperty("vms").EnumerateArray())
                {
                    var id = vm.GetProperty("vmId").GetString()!;
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                }
            }

            if ((counts.Count == expected && counts.Values.All(c => c == 1)) || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, counts.Count);
                Assert.All(counts, p => Assert.True(p.Value == 1, $"{p.Key} shows on {p.Value} hosts"));
                return;
            }

            await Task.Delay(1000);
        }
    }
}
