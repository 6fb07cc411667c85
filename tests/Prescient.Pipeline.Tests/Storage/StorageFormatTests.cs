using System.Text;
using Azure.Data.Tables;
using Prescient.Core.Windows;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Tests.Storage;

public sealed class StorageFormatTests
{
    [Fact]
    public void Sequence_ranges_round_trip_through_their_text_form()
    {
        IReadOnlyList<SequenceRange> ranges = [new(0, 0), new(2, 60), new(75, 75), new(1_000_000_000_000, 1_000_000_000_059)];
        var text = WindowStore.FormatRanges(ranges);
        Assert.Equal("0,2-60,75,1000000000000-1000000000059", text);
        Assert.Equal(ranges, WindowStore.ParseRanges(text));
        Assert.Empty(WindowStore.ParseRanges(null));
    }

    [Fact]
    public void Long_text_is_spread_over_properties_and_read_back_whole()
    {
        var entity = new TableEntity("p", "r");
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ","));
        TableText.Write(entity, "Seq", text);
        Assert.True(text.Length > TableText.ChunkChars * 2);
        Assert.All(entity.Keys.Where(k => k.StartsWith("Seq_", StringComparison.Ordinal)), k => Assert.True(((string)entity[k]).Length <= TableText.ChunkChars));
        Assert.Equal(text, TableText.Read(entity, "Seq"));

        // Rewriting with shorter text removes the old chunks.
        TableText.Write(entity, "Seq", "short");
        Assert.Equal("short", TableText.Read(entity, "Seq"));
        Assert.False(entity.ContainsKey("Seq_1"));
    }

    [Fact]
    public void Dead_letter_row_keys_are_stable_per_origin_and_reason_and_safe_for_tables()
    {
        var origin = new PayloadOrigin("eventhub:hub/0", "42", DateTimeOffset.UnixEpoch);
        var whole = new TelemetryRejection(RejectionCodes.InvalidJson, "r", null, null, null, default);
        var sample = new TelemetryRejection(RejectionCodes.OutOfRange, "r", "h", 17, 3, default);
        Assert.Equal("eventhub:hub%002F0|42|invalid-json", DeadLetterStore.RowKeyOf(whole, origin));
        Assert.Equal("eventhub:hub%002F0|42|out-of-range", DeadLetterStore.RowKeyOf(sample, origin));
        Assert.Equal(DeadLetterStore.RowKeyOf(sample, origin), DeadLetterStore.RowKeyOf(sample with { SampleIndex = 9, Sequence = 20 }, origin));
    }

    [Fact]
    public void Queue_messages_are_read_as_base64_json_or_plain_json()
    {
        var json = TelemetrySerializer.Serialize(TelemetryBatch.Create("h", [new TelemetrySample(1, DateTimeOffset.UnixEpoch, 0.5, 0.1, 0)]));
        var fromBase64 = QueueTelemetryDrainer.ToPayload(Encoding.UTF8.GetBytes(Convert.ToBase64String(json)), "q", "m1", DateTimeOffset.UnixEpoch);
        Assert.Equal(json, fromBase64.Body.ToArray());
        Assert.Equal("queue:q", fromBase64.Origin.Source);
        Assert.Equal(json, QueueTelemetryDrainer.ToPayload(json, "q", "m2", DateTimeOffset.UnixEpoch).Body.ToArray());

        // Neither: passed on unchanged, so validation dead-letters it with the original bytes.
        var garbage = Encoding.UTF8.GetBytes("not base64 and not json!");
        Assert.Equal(garbage, QueueTelemetryDrainer.ToPayload(garbage, "q", "m3", DateTimeOffset.UnixEpoch).Body.ToArray());
    }

    [Fact]
    public void Newest_first_row_keys_sort_newest_first_and_decode()
    {
        var older = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        var newer = older.AddMinutes(20);
        Assert.True(string.CompareOrdinal(TableKeys.NewestFirst(newer), TableKeys.NewestFirst(older)) < 0);
        Assert.Equal(newer, TableKeys.FromNewestFirst(TableKeys.NewestFirst(newer)));
    }
}
