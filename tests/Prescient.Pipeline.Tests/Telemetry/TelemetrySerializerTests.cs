using Prescient.Telemetry;

namespace Prescient.Pipeline.Tests.Telemetry;

public sealed class TelemetrySerializerTests
{
    private static TelemetryBatch Batch(int samples, int vmsPerSample = 3) =>
        TelemetryBatch.Create(
            "host-7",
            Enumerable.Range(1, samples)
                .Select(i => new TelemetrySample(
                    i,
                    new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero).AddSeconds(20 * i),
                    (i % 100) / 100.0,
                    0.3,
                    0.05,
                    Enumerable.Range(0, vmsPerSample).Select(v => new VmSample($"vm-{v}", 0.01 * v, 1024 + i, 3.25)).ToList()))
                .ToList());

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(500, 49_152)]
    [InlineData(500, 4_000)]
    [InlineData(37, 1_000)]
    public void Split_parts_fit_the_limit_and_concatenate_to_the_original(int samples, int maxBytes)
    {
        var batch = Batch(samples);
        var parts = TelemetrySerializer.Split(batch, maxBytes).ToList();
        Assert.All(parts, p => Assert.True(p.Json.Length <= maxBytes, $"part of {p.Json.Length} bytes > {maxBytes}"));
        Assert.All(parts, p => Assert.Equal(TelemetrySerializer.Serialize(p.Part), p.Json));
        Assert.All(parts, p => Assert.Equal("host-7", p.Part.HostId));
        Assert.Equal(batch.Samples, parts.SelectMany(p => p.Part.Samples));
        Assert.Equal(TelemetrySerializer.Serialize(batch).Length <= maxBytes ? 1 : parts.Count, parts.Count);
    }

    [Fact]
    public void Split_is_greedy_each_part_but_the_last_could_not_take_the_next_sample()
    {
        var batch = Batch(200);
        var parts = TelemetrySerializer.Split(batch, 3_000).ToList();
        Assert.True(parts.Count > 1);
        var consumed = 0;
        foreach (var (part, _) in parts.SkipLast(1))
        {
            consumed += part.Samples.Count;
            var grown = part with { Samples = [.. part.Samples, batch.Samples[consumed]] };
            Assert.True(TelemetrySerializer.Serialize(grown).Length > 3_000);
        }
    }

    [Fact]
    public void A_single_sample_too_large_for_the_transport_is_a_clear_error()
    {
        var batch = Batch(2, vmsPerSample: 200);
        var error = Assert.Throws<ArgumentException>(() => TelemetrySerializer.Split(batch, 2_000).ToList());
        Assert.Contains("fewer VMs", error.Message, StringComparison.Ordinal);
    }
}
