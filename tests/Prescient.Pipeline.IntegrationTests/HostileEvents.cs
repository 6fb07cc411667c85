using System.Globalization;
using System.Text;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>
/// Malformed and hostile payloads, each of which must produce exactly one dead letter with the given code (the
/// sequence-not-increasing kind also carries one valid sample, which must be stored).
/// </summary>
internal static class HostileEvents
{
    public static IReadOnlyList<(byte[] Body, string Code)> Make(int count)
    {
        var now = PipelineHarness.Now;
        string Ts(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
        string Sample(long seq, string cpu = "0.5", string? ts = null, string mem = "0.2") =>
            $$"""{"sequence":{{seq}},"timestamp":"{{ts ?? Ts(now.AddMinutes(-2))}}","cpu":{{cpu}},"mem":{{mem}},"io":0.1}""";
        string Batch(string host, params string[] samples) => $$"""{"schemaVersion":1,"hostId":"{{host}}","samples":[{{string.Join(",", samples)}}]}""";
        var huge = new string('x', 1024 * 1024 + 10);

        var kinds = new List<Func<int, (string, string)>>
        {
            i => ("{\"schemaVersion\":1,\"hostId\":\"h" + i, RejectionCodes.InvalidJson),
            i => ("\u00ff\u00fe garbage " + i, RejectionCodes.InvalidJson),
            i => ($$"""{"schemaVersion":1,"hostId":"h{{i}}","samples":[{"sequence":"one","timestamp":"{{Ts(now)}}","cpu":0.5,"mem":0.2,"io":0.1}]}""", RejectionCodes.InvalidJson),
            i => ($$"""{"schemaVersion":1,"hostId":{{i}},"samples":[]}""", RejectionCodes.InvalidJson),
            i => (Batch("bad-" + i, Sample(1, "\"NaN\"")), RejectionCodes.NonFiniteValue),
            i => (Batch("bad-" + i, Sample(1, mem: "\"-Infinity\"")), RejectionCodes.NonFiniteValue),
            i => (Batch("bad-" + i, Sample(1, "1.0000001")), RejectionCodes.OutOfRange),
            i => (Batch("bad-" + i, Sample(1, "-3")), RejectionCodes.OutOfRange),
            i => (Batch("bad-" + i, Sample(1, ts: Ts(now.AddDays(400 + i)))), RejectionCodes.TimestampInFuture),
            i => (Batch("bad-" + i, Sample(1, ts: Ts(now.AddYears(-3)))), RejectionCodes.TimestampTooOld),
            i => ($$"""{"schemaVersion":{{2 + i}},"hostId":"h","samples":"v2 shape"}""", RejectionCodes.UnsupportedSchemaVersion),
            i => ($$"""{"hostId":"h{{i}}","samples":[]}""", RejectionCodes.UnsupportedSchemaVersion),
            i => (Batch("", Sample(1)), RejectionCodes.MissingHostId),
            i => (Batch("../../etc/passwd" + i, Sample(1)), RejectionCodes.InvalidHostId),
            i => (Batch("bad-" + i, Sample(9), Sample(9 - (i % 3))), RejectionCodes.SequenceNotIncreasing),
            i => (Batch("bad-" + i, Sample(-i - 1)), RejectionCodes.InvalidSequence),
            i => (Batch("bad-" + i), RejectionCodes.NoSamples),
            i => (i % 50 == 0 ? Batch("h", Sample(1)) + huge : "{}", i % 50 == 0 ? RejectionCodes.PayloadTooLarge : RejectionCodes.UnsupportedSchemaVersion),
            i => ("", RejectionCodes.EmptyPayload),
            i => ("null", RejectionCodes.InvalidJson),
            i => ($$"""{"schemaVersion":1,"hostId":"bad-{{i}}","samples":[{{Sample(1)[..^1]}},"vms":[{"vmId":"a","cpu":0.1,"memoryMb":1,"dirtyRateMbps":0},{"vmId":"a","cpu":0.1,"memoryMb":1,"dirtyRateMbps":0}]}]}""", RejectionCodes.InvalidVm),
        };

        return Enumerable.Range(0, count)
            .Select(i =>
            {
                var (body, code) = kinds[i % kinds.Count](i);
                return (Encoding.UTF8.GetBytes(body), code);
            })
            .ToList();
    }
}
