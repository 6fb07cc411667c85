using System.Xml.Linq;

namespace Prescient.Hypervisor.Tests;

/// <summary>The agent and the hypervisor endpoints never depend on the pipeline (they run on the hosts, not in Azure).</summary>
public sealed class DependencyRulesTests
{
    [Theory]
    [InlineData("Prescient.Agent")]
    [InlineData("Prescient.Hypervisor")]
    public void A_host_side_project_does_not_reference_the_pipeline_even_transitively(string project)
    {
        var closure = References(project);

        Assert.DoesNotContain("Prescient.Pipeline", closure);
        Assert.DoesNotContain("Prescient.Local", closure);
        Assert.DoesNotContain("Prescient.Functions", closure);
    }

    [Fact]
    public void The_agent_serves_the_contract_through_the_hypervisor_project() =>
        Assert.Contains("Prescient.Hypervisor", References("Prescient.Agent"));

    private static HashSet<string> References(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            var file = Path.Combine(RealHypervisor.RealQemu.RepositoryRoot, "src", current, current + ".csproj");
            foreach (var reference in XDocument.Load(file).Descendants("ProjectReference"))
            {
                var name = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                if (seen.Add(name))
                {
                    pending.Push(name);
                }
            }
        }

        return seen;
    }
}
