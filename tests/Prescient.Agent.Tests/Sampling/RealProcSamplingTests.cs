using System.Globalization;
using Prescient.Agent.Configuration;
using Prescient.Agent.Sampling;
using Xunit.Abstractions;

namespace Prescient.Agent.Tests.Sampling;

/// <summary>The sampler on this machine's real /proc: no mocks.</summary>
public sealed class RealProcSamplingTests(ITestOutputHelper output)
{
    [LinuxFact]
    public async Task Cpu_rises_while_the_test_runs_a_busy_loop_on_every_core()
    {
        var sampler = new HostSampler(new AgentOptions(), TimeProvider.System);
        var attempts = new List<string>();
        var saturated = 0;

        // The machine may be shared: measure quiet vs busy a few times; one clear rise is the evidence (the loop adds a
        // whole machine's worth of demand, so it shows unless other processes already saturate every core).
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var quiet = await MeasureAsync(sampler, busy: false);
            var busy = await MeasureAsync(sampler, busy: true);
            attempts.Add(string.Create(CultureInfo.InvariantCulture, $"quiet {quiet.HostCpu:F3} busy {busy.HostCpu:F3} (own share {busy.OwnShare:F3})"));

            // Whatever else runs, the host's busy share includes this process's own CPU time.
            Assert.True(busy.HostCpu >= busy.OwnShare - 0.05, $"Host CPU below this process's own share: {attempts[^1]}");
            // A rise: the reading moves at least half of the way from the quiet level towards full (0.2 is enough
            // on an idle host; other test processes running in parallel leave less room above the quiet level).
            if (busy.HostCpu >= 0.5 && busy.HostCpu - quiet.HostCpu >= Math.Min(0.2, (1 - quiet.HostCpu) / 2) && busy.HostCpu > quiet.HostCpu)
            {
                output.WriteLine("Rise observed: " + string.Join("; ", attempts));
                return;
            }

            if (quiet.HostCpu >= 0.97)
            {
                saturated++;
            }
        }

        // Every quiet window was already at 100 %: no rise can show on this host right now. The sampler still
        // accounted for the loop (own share checked above), and the busy windows must read as fully busy.
        Assert.True(saturated == attempts.Count, "CPU did not rise with the busy loop: " + string.Join("; ", attempts));
        output.WriteLine("Host saturated by other processes; rise not observable: " + string.Join("; ", attempts));
    }

    [LinuxFact]
    public async Task Every_figure_of_a_real_sample_is_a_fraction()
    {
        var sampler = new HostSampler(new AgentOptions(), TimeProvider.System);
        Assert.Null(sampler.Sample());
        await Task.Delay(200);
        var sample = sampler.Sample();
        Assert.NotNull(sample);
        foreach (var value in new[] { sample.Cpu, sample.Mem, sample.Io })
        {
            Assert.InRange(value, 0, 1);
        }

        Assert.True(sample.Mem > 0, "A running Linux host uses some memory.");
    }

    /// <summary>Mean of the agent's samples over 0.7 s, and this process's share of all CPU time in that window.</summary>
    private static async Task<(double HostCpu, double OwnShare)> MeasureAsync(HostSampler sampler, bool busy)
    {
        using var stop = new CancellationTokenSource();
        var spinners = busy
            ? Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    var x = 0UL;
                    while (!stop.IsCancellationRequested)
                    {
                        x = unchecked((x * 6364136223846793005UL) + 1442695040888963407UL);
                    }

                    return x;
                },
                TaskCreationOptions.LongRunning)).ToArray()
            : [];
        try
        {
            var hostBefore = sampler.Read();
            var ownBefore = OwnJiffies();
            _ = sampler.Sample();
            var values = new List<double>();
            var end = DateTime.UtcNow + TimeSpan.FromMilliseconds(700);
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(100);
                if (sampler.Sample() is { } sample)
                {
                    values.Add(sample.Cpu);
                }
            }

            var hostAfter = sampler.Read();
            var own = OwnJiffies() - ownBefore;
            var total = hostAfter.Cpu.Total - hostBefore.Cpu.Total;
            return (values.Average(), total == 0 ? 0 : (double)own / total);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(spinners);
        }
    }

    /// <summary>utime + stime of this process in clock ticks (the unit of /proc/stat), from /proc/self/stat.</summary>
    private static ulong OwnJiffies()
    {
        var text = File.ReadAllText("/proc/self/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.Parse(fields[11], CultureInfo.InvariantCulture) + ulong.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
