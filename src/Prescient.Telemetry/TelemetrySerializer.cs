using System.Globalization;
using System.Text.Json;

namespace Prescient.Telemetry;

/// <summary>
/// Writes telemetry batches as compact UTF-8 JSON and splits a batch into parts that each fit a transport's size
/// limit. Every part is a complete version-1 batch with the same host id and a contiguous run of the samples, in order.
/// </summary>
public static class TelemetrySerializer
{
    public static byte[] Serialize(TelemetryBatch batch) =>
        JsonSerializer.SerializeToUtf8Bytes(batch, TelemetryJsonContext.Default.TelemetryBatch);

    /// <summary>
    /// Splits <paramref name="batch"/> into parts whose JSON is at most <paramref name="maxBytes"/> bytes, greedily
    /// (as few parts as the sample order allows). Returns each part with its serialised bytes.
    /// </summary>
    /// <exception cref="ArgumentException">One sample alone does not fit (for example thousands of VMs).</exception>
    public static IEnumerable<(TelemetryBatch Part, byte[] Json)> Split(TelemetryBatch batch, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 64);
        var whole = Serialize(batch);
        if (whole.Length <= maxBytes || batch.Samples.Count <= 1)
        {
            if (whole.Length > maxBytes)
            {
                throw TooLarge(batch, 0, whole.Length, maxBytes);
            }

            yield return (batch, whole);
            yield break;
        }

        // The compact JSON of a batch is the envelope of an empty batch plus the samples' own JSON joined by commas,
        // so sizes add up exactly.
        var envelope = Serialize(batch with { Samples = [] }).Length;
        var start = 0;
        var size = envelope;
        for (var i = 0; i < batch.Samples.Count; i++)
        {
            var sampleBytes = JsonSerializer.SerializeToUtf8Bytes(batch.Samples[i], TelemetryJsonContext.Default.TelemetrySample).Length;
            if (envelope + sampleBytes > maxBytes)
            {
                throw TooLarge(batch, i, envelope + sampleBytes, maxBytes);
            }

            var added = sampleBytes + (i > start ? 1 : 0);
            if (size + added > maxBytes)
            {
                yield return Part(batch, start, i);
                start = i;
                size = envelope + sampleBytes;
            }
            else
            {
                size += added;
            }
        }

        yield return Part(batch, start, batch.Samples.Count);
    }

    private static (TelemetryBatch, byte[]) Part(TelemetryBatch batch, int start, int end)
    {
        var samples = new TelemetrySample[end - start];
        for (var i = start; i < end; i++)
        {
            samples[i - start] = batch.Samples[i];
        }

        var part = batch with { Samples = samples };
        return (part, Serialize(part));
    }

    private static ArgumentException TooLarge(TelemetryBatch batch, int index, int bytes, int maxBytes) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"Sample {index} of host '{batch.HostId}' needs {bytes} bytes on its own, more than the transport's limit of {maxBytes}; send fewer VMs per sample."),
            nameof(batch));
}
