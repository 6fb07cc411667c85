using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Telemetry;

/// <summary>
/// One agent send: a host's samples in sequence order. Version 1 of the telemetry contract (docs/telemetry.md).
/// A publisher may split one logical batch into several of these (transport size limits); each part is a complete,
/// valid batch of its own.
/// </summary>
public sealed record TelemetryBatch(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("hostId")] string HostId,
    [property: JsonPropertyName("samples")] IReadOnlyList<TelemetrySample> Samples)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>A version-1 batch.</summary>
    public static TelemetryBatch Create(string hostId, IReadOnlyList<TelemetrySample> samples) =>
        new(CurrentSchemaVersion, hostId, samples);
}

/// <summary>
/// One sample of a host. <see cref="Sequence"/> is per host, strictly increasing across restarts of the agent;
/// it is what makes a redelivered sample count once. <see cref="Timestamp"/> carries its UTC offset on the wire
/// (<see cref="TelemetryTimestampConverter"/>). Utilisations are fractions in [0, 1]; the VMs' cpu adds up to at
/// most the host's.
/// </summary>
public sealed record TelemetrySample(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("timestamp"), JsonConverter(typeof(TelemetryTimestampConverter))] DateTimeOffset Timestamp,
    [property: JsonPropertyName("cpu")] double Cpu,
    [property: JsonPropertyName("mem")] double Mem,
    [property: JsonPropertyName("io")] double Io,
    [property: JsonPropertyName("vms")] IReadOnlyList<VmSample>? Vms = null);

/// <summary>A VM's figures in a sample: CPU demand as a fraction of the host, memory in MB, dirty rate in MB/s.</summary>
public sealed record VmSample(
    [property: JsonPropertyName("vmId")] string VmId,
    [property: JsonPropertyName("cpu")] double Cpu,
    [property: JsonPropertyName("memoryMb")] double MemoryMb,
    [property: JsonPropertyName("dirtyRateMbps")] double DirtyRateMbps);

/// <summary>
/// Source-generated serialisation of the contract. Reading is strict: numbers must be JSON numbers (the strings
/// <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c> are read so that validation can name them), required
/// properties must be present, and non-nullable strings may not be null.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TelemetryBatch))]
[JsonSerializable(typeof(TelemetrySample))]
public sealed partial class TelemetryJsonContext : JsonSerializerContext;
