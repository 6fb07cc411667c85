using System.Text.Json;
using Prescient.Agent.Configuration;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests;

public sealed class OnceTests
{
    [LinuxFact]
    public async Task Once_prints_one_telemetry_event_as_one_json_line_and_exits_0_without_a_transport()
    {
        var (code, stdout, stderr) = await AgentProcess.RunAsync(["--once", "--host-id", "rack1-host07"]);

        Assert.True(code == ExitCodes.Ok, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        var batch = JsonSerializer.Deserialize(line, TelemetryJsonContext.Default.TelemetryBatch)!;
        Assert.Equal(TelemetryBatch.CurrentSchemaVersion, batch.SchemaVersion);
        Assert.Equal("rack1-host07", batch.HostId);
        var sample = Assert.Single(batch.Samples);
        foreach (var value in new[] { sample.Cpu, sample.Mem, sample.Io })
        {
            Assert.InRange(value, 0, 1);
        }

        Assert.True(Math.Abs((DateTimeOffset.UtcNow - sample.Timestamp).TotalMinutes) < 5);
        using var document = JsonDocument.Parse(line);
        var raw = document.RootElement.GetProperty("samples")[0];
        Assert.True(raw.TryGetProperty("cpu", out _) && raw.TryGetProperty("mem", out _) && raw.TryGetProperty("io", out _));

        // And the pipeline's own validator accepts it.
        var validation = new TelemetryValidator(TimeProvider.System).Validate(System.Text.Encoding.UTF8.GetBytes(line));
        Assert.Empty(validation.Rejected);
    }

    [LinuxFact]
    public async Task Once_still_validates_the_settings_it_uses()
    {
        var (code, _, stderr) = await AgentProcess.RunAsync(["--once", "--host-id", "no spaces allowed"]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:HostId", stderr, StringComparison.Ordinal);
    }
}
