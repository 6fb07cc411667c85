using Prescient.Hypervisor.Libvirt;

namespace Prescient.Hypervisor.Tests.Libvirt;

/// <summary>virsh's job statistics as libvirt 9.0 prints them (captured from a real peer-to-peer migration).</summary>
public sealed class VirshParsingTests
{
    private const string RunningJob = """
        Job type:         Unbounded
        Operation:        Outgoing migration
        Time elapsed:     6463         ms
        Data processed:   31.271 MiB
        Data remaining:   224.508 MiB
        Data total:       256.508 MiB
        Memory processed: 31.271 MiB
        Memory remaining: 224.508 MiB
        Memory total:     256.508 MiB
        Memory bandwidth: 33.907 MiB/s
        Dirty rate:       0            pages/s
        Page size:        4096         bytes
        Iteration:        1
        Expected downtime: 300          ms
        """;

    private const string CompletedJob = """
        Job type:         Completed
        Operation:        Incoming migration
        Time elapsed:     9719         ms
        Memory remaining: 0.000 B
        Iteration:        6
        Total downtime:   178          ms
        Downtime w/o network: 165          ms
        """;

    [Fact]
    public void The_rounds_remaining_memory_and_downtime_are_read_from_domjobinfo()
    {
        var running = Virsh.Fields(RunningJob);
        var completed = Virsh.Fields(CompletedJob);

        Assert.Equal(1, Virsh.Number(running, "Iteration"));
        Assert.Equal(224.508, Virsh.MiB(running, "Memory remaining")!.Value, 3);
        Assert.Equal("Outgoing migration", running["Operation"]);
        Assert.Equal(6, Virsh.Number(completed, "Iteration"));
        Assert.Equal(0, Virsh.MiB(completed, "Memory remaining"));
        Assert.Equal(178, Virsh.Number(completed, "Total downtime"));
        Assert.Null(Virsh.Number(running, "Total downtime"));
    }

    [Theory]
    [InlineData("1.5 GiB", 1536)]
    [InlineData("512.000 KiB", 0.5)]
    [InlineData("1048576 B", 1)]
    public void Sizes_are_converted_to_MiB(string text, double mib) =>
        Assert.Equal(mib, Virsh.MiB(new Dictionary<string, string> { ["x"] = text }, "x")!.Value, 6);

    [Fact]
    public void Domain_statistics_are_key_value_lines() =>
        Assert.Equal("262144", Virsh.Stats("Domain: 'lv1'\n  balloon.maximum=262144\n  cpu.time=1610000000\n")["balloon.maximum"]);
}
