using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Prescient.Core.Planning;

namespace Prescient.Architecture.Tests;

/// <summary>What each project may depend on (docs/architecture.md): a change that breaks a rule fails here.</summary>
public class DependencyRulesTests
{
    private static readonly ProjectGraph Graph = ProjectGraph.Load();

    [Fact]
    public void Core_references_no_project_no_package_and_no_shared_framework()
    {
        Assert.Equal(["Prescient.Core"], Graph.Closure("Prescient.Core"));
        Assert.Empty(Graph.Packages("Prescient.Core"));
        Assert.Empty(Graph.Frameworks("Prescient.Core"));
    }

    [Fact]
    public void Core_does_no_IO()
    {
        // Namespaces and types of files, processes, sockets, HTTP and the clock: the domain gets its time and data from its callers.
        string[] forbidden = ["System.IO.File", "System.IO.FileStream", "System.IO.Directory", "System.IO.StreamReader", "System.IO.StreamWriter",
            "System.Diagnostics.Process", "System.Net.", "System.Threading.Thread", "System.Environment"];
        using var stream = File.OpenRead(typeof(FleetPlanner).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var used = metadata.TypeReferences
            .Select(h => metadata.GetTypeReference(h))
            .Select(t => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}")
            .ToList();
        Assert.DoesNotContain(used, t => forbidden.Any(f => t.StartsWith(f, StringComparison.Ordinal)));
        Assert.DoesNotContain(metadata.MemberReferences.Select(h => metadata.GetMemberReference(h)).Select(m => metadata.GetString(m.Name)), n => n is "get_UtcNow" or "get_Now");
    }

    [Fact]
    public void The_Functions_app_ships_no_dev_only_code()
    {
        var closure = Graph.Closure("Prescient.Functions");
        Assert.DoesNotContain("Prescient.Local", closure);
        Assert.DoesNotContain("Prescient.Simulation", closure);
        Assert.DoesNotContain("Prescient.Cli", closure);
        Assert.DoesNotContain("Microsoft.DurableTask.InProcessTestHost", Graph.Packages("Prescient.Functions"));
        Assert.DoesNotContain("Grpc.AspNetCore.Server", Graph.Packages("Prescient.Functions"));
    }

    [Fact]
    public void The_agent_has_no_storage_or_orchestration_code()
    {
        var closure = Graph.Closure("Prescient.Agent");
        Assert.DoesNotContain("Prescient.Pipeline", closure);
        Assert.DoesNotContain("Prescient.Local", closure);
        Assert.DoesNotContain("Prescient.Simulation", closure);
        var packages = Graph.Packages("Prescient.Agent");
        Assert.DoesNotContain(packages, p => p is "Azure.Data.Tables" or "Azure.Storage.Blobs" || p.StartsWith("Microsoft.DurableTask", StringComparison.Ordinal) ||
            p.StartsWith("Microsoft.Azure.DurableTask", StringComparison.Ordinal));
    }

    [Fact]
    public void The_telemetry_contract_depends_only_on_its_transports()
    {
        Assert.Equal(["Prescient.Telemetry"], Graph.Closure("Prescient.Telemetry"));
        Assert.Subset(new HashSet<string>(["Azure.Storage.Queues", "Azure.Messaging.EventHubs"]), Graph.Packages("Prescient.Telemetry").ToHashSet());
    }

    [Fact]
    public void Only_the_local_host_and_the_benchmarks_reach_the_local_runtime()
    {
        var users = Graph.Projects.Where(p => p != "Prescient.Local" && Graph.Closure(p).Contains("Prescient.Local")).Order(StringComparer.Ordinal);
        Assert.Equal(["Prescient.Cli"], users);
    }
}
