using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Prescient.Core.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>The OpenAPI document, the C# contract and the simulator agree; the invariant checker catches violations.</summary>
public sealed class ContractDocumentTests
{
    private static JsonDocument OpenApi()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "hypervisor-api.openapi.json");
            if (File.Exists(path))
            {
                return JsonDocument.Parse(File.ReadAllText(path));
            }
        }

        throw new FileNotFoundException("docs/hypervisor-api.openapi.json not found above the test folder.");
    }

    [Fact]
    public void Every_error_code_of_the_contract_is_documented()
    {
        using var doc = OpenApi();
        var documented = doc.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("HypervisorError")
            .GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        var codes = typeof(HypervisorErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);

        Assert.All(codes, code => Assert.Contains(code, documented));
    }

    [Fact]
    public async Task Every_documented_operation_is_served_by_the_simulator_and_answers_in_the_contracts_shape()
    {
        using var doc = OpenApi();
        await using var fleet = await FleetSimulatorService.StartAsync(FleetRig.ServiceOptions(), [new SimHostSpec("h1"), new SimHostSpec("h2")],
            [new SimVmSpec("vm1", "h1", 1, 1024, 10)]);
        using var http = new HttpClient { BaseAddress = fleet.BaseAddress };
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var relative = "hosts/h1" + path.Name.Replace("{migrationId}", "doc-m1", StringComparison.Ordinal).Replace("{round}", "1", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), relative);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fleet.TokenFor("h1"));
                if (request.Method == HttpMethod.Post)
                {
                    request.Content = new StringContent("""{"action":"Wake","vmId":"vm1","sourceHostId":"h2","destinationHostId":"h2","memoryMb":1,"cpu":1,"stopAndCopy":false}""", Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.False(string.IsNullOrEmpty(body), $"{operation.Name} {path.Name}: empty answer {(int)response.StatusCode}");
                using var json = JsonDocument.Parse(body);
                if (!response.IsSuccessStatusCode)
                {
                    Assert.True(json.RootElement.TryGetProperty("code", out _), $"{operation.Name} {path.Name}: {(int)response.StatusCode} without the error body");
                    Assert.True(operation.Value.GetProperty("responses").TryGetProperty(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), out _),
                        $"{operation.Name} {path.Name}: undocumented status {(int)response.StatusCode}");
                }
            }
        }
    }

    [Fact]
    public void The_invariant_checker_reports_a_vm_on_two_hosts_and_a_lost_vm()
    {
        var twoHosts = new FleetSnapshot(
            [new HostSnapshot("h1", PowerState.On, [new InstanceSnapshot("vm1", VmRunState.Running, null)]),
             new HostSnapshot("h2", PowerState.On, [new InstanceSnapshot("vm1", VmRunState.Running, null)])],
            [new VmSnapshot("vm1", null, 1024, 10, "h1"), new VmSnapshot("vm2", null, 1024, 10, "h1")],
            [],
            0);

        var violations = twoHosts.Violations();

        Assert.Contains(violations, v => v.Contains("vm1 runs on 2 hosts", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("vm2 runs nowhere", StringComparison.Ordinal));
    }
}
