using System.Globalization;
using System.Text.Json;

namespace Prescient.Telemetry;

/// <summary>Limits applied to incoming telemetry. Defaults suit Event Hubs (1 MB events) and Storage queues.</summary>
public sealed record TelemetryValidationOptions
{
    /// <summary>Largest accepted payload (one event or queue message), in bytes.</summary>
    public int MaxPayloadBytes { get; init; } = 1024 * 1024;

    public int MaxSamplesPerBatch { get; init; } = 10_000;

    public int MaxVmsPerSample { get; init; } = 1_000;

    /// <summary>How far ahead of the pipeline's clock a sample's timestamp may be (agent clock skew).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a sample may be (agents buffer on disk while the transport is unreachable).</summary>
    public TimeSpan MaxSampleAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Largest VM memory figure believed, in MB (16 TB).</summary>
    public double MaxVmMemoryMb { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest dirty rate believed, in MB/s.</summary>
    public double MaxDirtyRateMbps { get; init; } = 1_000_000;

    /// <summary>
    /// How far the VMs' cpu may add up above the host's (a fraction of the host): an agent reads the host's and the
    /// VMs' counters a moment apart. More than this and the sample is refused.
    /// </summary>
    public double VmCpuTolerance { get; init; } = 0.02;

    public static TelemetryValidationOptions Default { get; } = new();
}

/// <summary>Stable codes for rejected telemetry (dead-letter rows carry one, with a readable reason).</summary>
public static class RejectionCodes
{
    public const string PayloadTooLarge = "payload-too-large";
    public const string EmptyPayload = "empty-payload";
    public const string InvalidEncoding = "invalid-encoding";
    public const string InvalidJson = "invalid-json";
    public const string UnsupportedSchemaVersion = "unsupported-schema-version";
    public const string MissingHostId = "missing-host-id";
    public const string InvalidHostId = "invalid-host-id";
    public const string TooManySamples = "too-many-samples";
    public const string NoSamples = "no-samples";
    public const string InvalidSequence = "invalid-sequence";
    public const string SequenceNotIncreasing = "sequence-not-increasing";
    public const string NonFiniteValue = "non-finite-value";
    public const string OutOfRange = "out-of-range";
    public const string TimestampInFuture = "timestamp-in-future";
    public const string TimestampTooOld = "timestamp-too-old";
    public const string InvalidVm = "invalid-vm";
    public const string HostMismatch = "host-mismatch";

    /// <summary>A timestamp without a UTC offset, without a time of day, or not a date and time at all.</summary>
    public const string InvalidTimestamp = "invalid-timestamp";

    /// <summary>The VMs of a sample use more cpu than the host (beyond the options' tolerance).</summary>
    public const string VmCpuAboveHost = "vm-cpu-above-host";

    /// <summary>The sample's window already counts the most samples one period takes.</summary>
    public const string WindowFull = "window-full";

    /// <summary>The sample's sequence number was already counted with a timestamp in another period (or another timestamp in the same call).</summary>
    public const string SequenceReused = "sequence-reused";

    /// <summary>The sample's sequence number is below the host's sequence-ledger floor and not counted in its own window.</summary>
    public const string SequenceExpired = "sequence-expired";
}

/// <summary>
/// One piece of rejected telemetry: a whole payload (bad JSON, unknown version...) or one sample of an otherwise
/// valid batch (NaN, out of range, future timestamp...). <see cref="RawPayload"/> is what arrived (the whole payload,
/// or the sample re-serialised); the dead-letter store bounds its size.
/// </summary>
public sealed record TelemetryRejection(
    string Code,
    string Reason,
    string? HostId,
    long? Sequence,
    int? SampleIndex,
    ReadOnlyMemory<byte> RawPayload);

/// <summary>The outcome of validating one payload: the samples to ingest (in order) and everything rejected.</summary>
public sealed record TelemetryValidationResult(
    string? HostId,
    IReadOnlyList<TelemetrySample> Accepted,
    IReadOnlyList<TelemetryRejection> Rejected)
{
    public bool IsWhollyRejected => Accepted.Count == 0 && Rejected.Count > 0;
}

/// <summary>
/// Parses and validates telemetry payloads. Never throws for bad input: every problem becomes a
/// <see cref="TelemetryRejection"/> with a code and a reason that names the field. Problems with the payload as a
/// whole reject all of it; problems with one sample reject that sample only, so the rest of the batch is kept.
/// </summary>
public sealed class TelemetryValidator(TimeProvider timeProvider, TelemetryValidationOptions? options = null)
{
    public TelemetryValidationOptions Options { get; } = options ?? TelemetryValidationOptions.Default;

    /// <summary>Validates one payload: the UTF-8 JSON of one <see cref="TelemetryBatch"/>.</summary>
    public TelemetryValidationResult Validate(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0)
        {
            return Whole(RejectionCodes.EmptyPayload, "The payload is empty.", null, payload);
        }

        if (payload.Length > Options.MaxPayloadBytes)
        {
            return Whole(
                RejectionCodes.PayloadTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"The payload is {payload.Length} bytes; the limit is {Options.MaxPayloadBytes}."),
                null,
                payload);
        }

        var version = PeekSchemaVersion(payload.Span, out var peekError);
        if (peekError is not null)
        {
            return Whole(peekError.Value.Code, peekError.Value.Reason, null, payload);
        }

        if (version != TelemetryBatch.CurrentSchemaVersion)
        {
            return Whole(
                RejectionCodes.UnsupportedSchemaVersion,
                string.Create(CultureInfo.InvariantCulture, $"schemaVersion {version} is not supported; this pipeline reads version {TelemetryBatch.CurrentSchemaVersion}."),
                null,
                payload);
        }

        TelemetryBatch? batch;
        try
        {
            batch = JsonSerializer.Deserialize(payload.Span, TelemetryJsonContext.Default.TelemetryBatch);
        }
        catch (TimestampJsonException exception)
        {
            return Whole(RejectionCodes.InvalidTimestamp, DescribeJsonError(exception), null, payload);
        }
        catch (JsonException exception)
        {
            return Whole(RejectionCodes.InvalidJson, DescribeJsonError(exception), null, payload);
        }

        if (batch is null)
        {
            return Whole(RejectionCodes.InvalidJson, "The payload is JSON null, not a telemetry batch.", null, payload);
        }

        return Validate(batch, payload);
    }

    /// <summary>Validates an already-parsed batch (publishers check before sending). <paramref name="rawPayload"/> is kept on whole-batch rejections.</summary>
    public TelemetryValidationResult Validate(TelemetryBatch batch, ReadOnlyMemory<byte> rawPayload = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.SchemaVersion != TelemetryBatch.CurrentSchemaVersion)
        {
            return Whole(
                RejectionCodes.UnsupportedSchemaVersion,
                string.Create(CultureInfo.InvariantCulture, $"schemaVersion {batch.SchemaVersion} is not supported; this pipeline reads version {TelemetryBatch.CurrentSchemaVersion}."),
                null,
                rawPayload);
        }

        if (string.IsNullOrWhiteSpace(batch.HostId))
        {
            return Whole(RejectionCodes.MissingHostId, "hostId is missing or empty.", null, rawPayload);
        }

        if (DescribeBadId(batch.HostId) is { } hostIdProblem)
        {
            return Whole(RejectionCodes.InvalidHostId, $"hostId {EntityIds.Quote(batch.HostId)} {hostIdProblem}", null, rawPayload);
        }

        var hostId = batch.HostId;
        if (batch.Samples is null || batch.Samples.Count == 0)
        {
            return Whole(RejectionCodes.NoSamples, "The batch has no samples.", hostId, rawPayload);
        }

        if (batch.Samples.Count > Options.MaxSamplesPerBatch)
        {
            return Whole(
                RejectionCodes.TooManySamples,
                string.Create(CultureInfo.InvariantCulture, $"The batch has {batch.Samples.Count} samples; the limit is {Options.MaxSamplesPerBatch}."),
                hostId,
                rawPayload);
        }

        var now = timeProvider.GetUtcNow();
        var accepted = new List<TelemetrySample>(batch.Samples.Count);
        List<TelemetryRejection>? rejected = null;
        long? lastSequence = null;
        for (var index = 0; index < batch.Samples.Count; index++)
        {
            var sample = batch.Samples[index];
            var problem = sample is null
                ? (RejectionCodes.InvalidJson, "is null.")
                : CheckSample(sample, now, lastSequence);
            if (problem is { } p)
            {
                rejected ??= [];
                rejected.Add(new TelemetryRejection(
                    p.Item1,
                    string.Create(CultureInfo.InvariantCulture, $"samples[{index}] {p.Item2}"),
                    hostId,
                    sample?.Sequence,
                    index,
                    sample is null ? ReadOnlyMemory<byte>.Empty : SerializeSample(sample)));
                continue;
            }

            lastSequence = sample!.Sequence;
            accepted.Add(sample);
        }

        return new TelemetryValidationResult(hostId, accepted, rejected ?? (IReadOnlyList<TelemetryRejection>)[]);
    }

    private (string, string)? CheckSample(TelemetrySample sample, DateTimeOffset now, long? lastSequence)
    {
        if (sample.Sequence < 0)
        {
            return (RejectionCodes.InvalidSequence, string.Create(CultureInfo.InvariantCulture, $"sequence {sample.Sequence} is negative."));
        }

        if (lastSequence is { } last && sample.Sequence <= last)
        {
            return (RejectionCodes.SequenceNotIncreasing,
                string.Create(CultureInfo.InvariantCulture, $"sequence {sample.Sequence} does not increase (the previous accepted sample had {last})."));
        }

        if (sample.Timestamp > now + Options.MaxClockSkew)
        {
            return (RejectionCodes.TimestampInFuture,
                string.Create(CultureInfo.InvariantCulture, $"timestamp {sample.Timestamp:O} is more than {Options.MaxClockSkew} ahead of the pipeline clock ({now:O})."));
        }

        if (sample.Timestamp < now - Options.MaxSampleAge)
        {
            return (RejectionCodes.TimestampTooOld,
                string.Create(CultureInfo.InvariantCulture, $"timestamp {sample.Timestamp:O} is older than {Options.MaxSampleAge.TotalDays:0.#} days."));
        }

        if (CheckFraction(sample.Cpu, "cpu") is { } cpu)
        {
            return cpu;
        }

        if (CheckFraction(sample.Mem, "mem") is { } mem)
        {
            return mem;
        }

        if (CheckFraction(sample.Io, "io") is { } io)
        {
            return io;
        }

        if (sample.Vms is { } vms)
        {
            if (vms.Count > Options.MaxVmsPerSample)
            {
                return (RejectionCodes.InvalidVm, string.Create(CultureInfo.InvariantCulture, $"has {vms.Count} VMs; the limit is {Options.MaxVmsPerSample}."));
            }

            HashSet<string>? seen = vms.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
            for (var v = 0; v < vms.Count; v++)
            {
                var vm = vms[v];
                if (vm is null)
                {
                    return (RejectionCodes.InvalidVm, string.Create(CultureInfo.InvariantCulture, $"vms[{v}] is null."));
                }

                if (string.IsNullOrWhiteSpace(vm.VmId))
                {
                    return (RejectionCodes.InvalidVm, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].vmId is missing or empty."));
                }

                if (DescribeBadId(vm.VmId) is { } vmIdProblem)
                {
                    return (RejectionCodes.InvalidVm, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].vmId {vmIdProblem}"));
                }

                if (seen is not null && !seen.Add(vm.VmId))
                {
                    return (RejectionCodes.InvalidVm, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].vmId '{vm.VmId}' appears twice."));
                }

                if (CheckFraction(vm.Cpu, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].cpu")) is { } vmCpu)
                {
                    return vmCpu;
                }

                if (CheckRange(vm.MemoryMb, 0, Options.MaxVmMemoryMb, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].memoryMb")) is { } vmMem)
                {
                    return vmMem;
                }

                if (CheckRange(vm.DirtyRateMbps, 0, Options.MaxDirtyRateMbps, string.Create(CultureInfo.InvariantCulture, $"vms[{v}].dirtyRateMbps")) is { } vmDirty)
                {
                    return vmDirty;
                }
            }

            var vmCpuSum = vms.Sum(vm => vm.Cpu);
            if (vmCpuSum > sample.Cpu + Options.VmCpuTolerance)
            {
                return (RejectionCodes.VmCpuAboveHost, string.Create(CultureInfo.InvariantCulture,
                    $"the VMs' cpu adds up to {vmCpuSum:0.###}, more than the host's cpu {sample.Cpu:0.###} (tolerance {Options.VmCpuTolerance:0.###}); a host's VMs cannot use more than the host."));
            }
        }

        return null;
    }

    private static (string, string)? CheckFraction(double value, string name) => CheckRange(value, 0, 1, name);

    private static (string, string)? CheckRange(double value, double low, double high, string name)
    {
        if (!double.IsFinite(value))
        {
            return (RejectionCodes.NonFiniteValue, string.Create(CultureInfo.InvariantCulture, $"{name} is {value}; a finite number is required."));
        }

        if (value < low || value > high)
        {
            return (RejectionCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture, $"{name} is {value}; it must be in [{low}, {high}]."));
        }

        return null;
    }

    /// <summary>Ids become Azure Table keys: <see cref="EntityIds"/>'s rule (1-128 characters, a letter or digit first).</summary>
    internal static string? DescribeBadId(string id) => EntityIds.Describe(id);

    /// <summary>Reads the top-level <c>schemaVersion</c> without deserialising the rest (so a future version's shape gets a clear reason).</summary>
    private static int PeekSchemaVersion(ReadOnlySpan<byte> json, out (string Code, string Reason)? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = (RejectionCodes.InvalidJson, "The payload is not a JSON object.");
                return 0;
            }

            int? version = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("schemaVersion"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (isVersion)
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var v))
                    {
                        error = (RejectionCodes.InvalidJson, "schemaVersion must be an integer.");
                        return 0;
                    }

                    version = v;
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                error = (RejectionCodes.InvalidJson, "The payload is not a complete JSON object.");
                return 0;
            }

            // Anything after the object (a second document, garbage) is malformed too.
            if (reader.Read())
            {
                error = (RejectionCodes.InvalidJson, "The payload has content after the JSON object.");
                return 0;
            }

            if (version is null)
            {
                error = (RejectionCodes.UnsupportedSchemaVersion, "schemaVersion is missing.");
                return 0;
            }

            return version.Value;
        }
        catch (JsonException exception)
        {
            error = (RejectionCodes.InvalidJson, DescribeJsonError(exception));
            return 0;
        }
    }

    private static string DescribeJsonError(JsonException exception)
    {
        var path = string.IsNullOrEmpty(exception.Path) ? string.Empty : " at " + exception.Path;
        var line = exception.LineNumber is { } l ? string.Create(CultureInfo.InvariantCulture, $" (line {l + 1}, byte {exception.BytePositionInLine + 1})") : string.Empty;
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return "Not a valid telemetry batch" + path + line + ": " + message;
    }

    private static ReadOnlyMemory<byte> SerializeSample(TelemetrySample sample)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(sample, TelemetryJsonContext.Default.TelemetrySample);
        }
        catch (ArgumentException)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    private static TelemetryValidationResult Whole(string code, string reason, string? hostId, ReadOnlyMemory<byte> payload) =>
        new(hostId, [], [new TelemetryRejection(code, reason, hostId, null, null, payload)]);
}
