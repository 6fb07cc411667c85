using System.Text;
using Microsoft.Extensions.Time.Testing;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Tests.Telemetry;

public sealed class TelemetryValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static TelemetryValidator Validator() => new(new FakeTimeProvider(Now));

    private static TelemetrySample Sample(long sequence, double cpu = 0.5, DateTimeOffset? at = null, IReadOnlyList<VmSample>? vms = null) =>
        new(sequence, at ?? Now.AddMinutes(-1), cpu, 0.4, 0.1, vms);

    private static TelemetryValidationResult ValidateJson(string json) =>
        Validator().Validate(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_valid_batch_round_trips_and_is_accepted_whole()
    {
        var batch = TelemetryBatch.Create("host-1", [Sample(1, vms: [new VmSample("vm-a", 0.2, 2048, 12.5)]), Sample(2)]);
        var result = Validator().Validate(TelemetrySerializer.Serialize(batch));
        Assert.Empty(result.Rejected);
        Assert.Equal("host-1", result.HostId);
        Assert.Equal(2, result.Accepted.Count);
        Assert.Equal(batch.Samples[0].Vms![0], result.Accepted[0].Vms![0]);
        Assert.Equal(batch.Samples[1], result.Accepted[1]);
    }

    [Theory]
    [InlineData("{not json", RejectionCodes.InvalidJson)]
    [InlineData("[1,2,3]", RejectionCodes.InvalidJson)]
    [InlineData("null", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[]} trailing", RejectionCodes.InvalidJson)]
    [InlineData("{\"hostId\":\"h\",\"samples\":[]}", RejectionCodes.UnsupportedSchemaVersion)]
    [InlineData("{\"schemaVersion\":2,\"hostId\":\"h\",\"samples\":{\"new\":\"shape\"}}", RejectionCodes.UnsupportedSchemaVersion)]
    [InlineData("{\"schemaVersion\":\"1\",\"hostId\":\"h\",\"samples\":[]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"samples\":[]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":null,\"samples\":[]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"\",\"samples\":[]}", RejectionCodes.MissingHostId)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"a/b\",\"samples\":[]}", RejectionCodes.InvalidHostId)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[]}", RejectionCodes.NoSamples)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T11:59:00Z\",\"cpu\":\"high\",\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T11:59:00Z\",\"cpu\":\"0.5\",\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T11:59:00Z\",\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidJson)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"yesterday\",\"cpu\":0,\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidTimestamp)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"..\",\"samples\":[]}", RejectionCodes.InvalidHostId)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\".\",\"samples\":[]}", RejectionCodes.InvalidHostId)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T11:59:00\",\"cpu\":0,\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidTimestamp)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24\",\"cpu\":0,\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidTimestamp)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24 11:59:00Z\",\"cpu\":0,\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidTimestamp)]
    [InlineData("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":1795000000,\"cpu\":0,\"mem\":0,\"io\":0}]}", RejectionCodes.InvalidTimestamp)]
    public void Malformed_payloads_are_rejected_whole_with_a_reason(string json, string code)
    {
        var result = ValidateJson(json);
        Assert.Empty(result.Accepted);
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(code, rejection.Code);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        Assert.Equal(json, Encoding.UTF8.GetString(rejection.RawPayload.Span));
    }

    [Fact]
    public void A_wrong_type_names_the_field_in_the_reason()
    {
        var result = ValidateJson("{\"schemaVersion\":1,\"hostId\":\"h\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T11:59:00Z\",\"cpu\":true,\"mem\":0,\"io\":0}]}");
        Assert.Contains("samples[0].cpu", Assert.Single(result.Rejected).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_payloads_are_rejected_without_parsing()
    {
        var validator = new TelemetryValidator(new FakeTimeProvider(Now), new TelemetryValidationOptions { MaxPayloadBytes = 100 });
        var result = validator.Validate(new byte[101]);
        Assert.Equal(RejectionCodes.PayloadTooLarge, Assert.Single(result.Rejected).Code);
    }

    [Fact]
    public void Bad_samples_are_rejected_one_by_one_and_the_rest_of_the_batch_is_kept()
    {
        var json = """
            {"schemaVersion":1,"hostId":"h1","samples":[
              {"sequence":1,"timestamp":"2026-11-24T11:50:00Z","cpu":0.5,"mem":0.1,"io":0},
              {"sequence":2,"timestamp":"2026-11-24T11:51:00Z","cpu":"NaN","mem":0.1,"io":0},
              {"sequence":3,"timestamp":"2026-11-24T11:52:00Z","cpu":0.5,"mem":"Infinity","io":0},
              {"sequence":4,"timestamp":"2026-11-24T11:53:00Z","cpu":1.5,"mem":0.1,"io":0},
              {"sequence":5,"timestamp":"2026-11-25T11:53:00Z","cpu":0.5,"mem":0.1,"io":0},
              {"sequence":6,"timestamp":"2025-01-01T00:00:00Z","cpu":0.5,"mem":0.1,"io":0},
              {"sequence":1,"timestamp":"2026-11-24T11:54:00Z","cpu":0.5,"mem":0.1,"io":0},
              {"sequence":-7,"timestamp":"2026-11-24T11:54:00Z","cpu":0.5,"mem":0.1,"io":0},
              {"sequence":8,"timestamp":"2026-11-24T11:55:00Z","cpu":0.5,"mem":0.1,"io":-0.1},
              {"sequence":9,"timestamp":"2026-11-24T11:56:00Z","cpu":0.5,"mem":0.1,"io":0,"vms":[{"vmId":"a","cpu":0.1,"memoryMb":1,"dirtyRateMbps":0},{"vmId":"a","cpu":0.1,"memoryMb":1,"dirtyRateMbps":0}]},
              {"sequence":10,"timestamp":"2026-11-24T11:56:00Z","cpu":0.5,"mem":0.1,"io":0,"vms":[{"vmId":"b","cpu":0.1,"memoryMb":-1,"dirtyRateMbps":0}]},
              {"sequence":11,"timestamp":"2026-11-24T11:57:00Z","cpu":0.6,"mem":0.1,"io":0}
            ]}
            """;
        var result = ValidateJson(json);
        Assert.Equal([1L, 11L], result.Accepted.Select(s => s.Sequence));
        Assert.Equal(
            [
                RejectionCodes.NonFiniteValue, RejectionCodes.NonFiniteValue, RejectionCodes.OutOfRange,
                RejectionCodes.TimestampInFuture, RejectionCodes.TimestampTooOld, RejectionCodes.SequenceNotIncreasing,
                RejectionCodes.InvalidSequence, RejectionCodes.OutOfRange, RejectionCodes.InvalidVm, RejectionCodes.OutOfRange,
            ],
            result.Rejected.Select(r => r.Code));
        Assert.All(result.Rejected, r => Assert.Equal("h1", r.HostId));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], result.Rejected.Select(r => r.SampleIndex!.Value));
        Assert.Contains("samples[1] cpu is NaN", result.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("vms[0].memoryMb", result.Rejected[9].Reason, StringComparison.Ordinal);
        Assert.All(result.Rejected, r => Assert.False(r.RawPayload.IsEmpty));
    }

    [Theory]
    [InlineData("2026-11-24T11:59:00", "no UTC offset")]
    [InlineData("2026-11-24", "no time of day")]
    public void A_timestamp_without_offset_or_time_is_refused_with_the_place_and_the_text(string timestamp, string expected)
    {
        var result = ValidateJson($$"""{"schemaVersion":1,"hostId":"h","samples":[{"sequence":1,"timestamp":"{{timestamp}}","cpu":0,"mem":0,"io":0}]}""");
        var reason = Assert.Single(result.Rejected).Reason;
        Assert.Contains("samples[0].timestamp", reason, StringComparison.Ordinal);
        Assert.Contains(timestamp, reason, StringComparison.Ordinal);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-24T11:59:00Z")]
    [InlineData("2026-11-24T11:59:00.1234567Z")]
    [InlineData("2026-11-24T12:59:00+01:00")]
    [InlineData("2026-11-24T06:29:00.5-05:30")]
    public void A_timestamp_with_an_offset_is_read(string timestamp)
    {
        var result = ValidateJson($$"""{"schemaVersion":1,"hostId":"h","samples":[{"sequence":1,"timestamp":"{{timestamp}}","cpu":0,"mem":0,"io":0}]}""");
        Assert.Empty(result.Rejected);
        Assert.Equal(DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(result.Accepted).Timestamp);
    }

    [Fact]
    public void A_sample_whose_vms_use_more_cpu_than_the_host_is_rejected_and_the_rest_kept()
    {
        var batch = TelemetryBatch.Create("h1",
        [
            Sample(1, cpu: 0.5, vms: [new VmSample("a", 0.3, 1024, 0), new VmSample("b", 0.19, 1024, 0)]),
            Sample(2, cpu: 0.5, vms: [new VmSample("a", 0.4, 1024, 0), new VmSample("b", 0.4, 1024, 0)]),
            Sample(3, cpu: 0.5, vms: [new VmSample("a", 0.3, 1024, 0), new VmSample("b", 0.21, 1024, 0)]),
        ]);
        var result = Validator().Validate(batch);

        Assert.Equal([1L, 3L], result.Accepted.Select(s => s.Sequence));
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(RejectionCodes.VmCpuAboveHost, rejection.Code);
        Assert.Equal(1, rejection.SampleIndex);
        Assert.Contains("samples[1] the VMs' cpu adds up to 0.8, more than the host's cpu 0.5", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_samples_reject_the_batch()
    {
        var validator = new TelemetryValidator(new FakeTimeProvider(Now), new TelemetryValidationOptions { MaxSamplesPerBatch = 3 });
        var batch = TelemetryBatch.Create("h", [Sample(1), Sample(2), Sample(3), Sample(4)]);
        Assert.Equal(RejectionCodes.TooManySamples, Assert.Single(validator.Validate(batch).Rejected).Code);
    }
}
