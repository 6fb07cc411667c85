using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Agent.Buffering;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests.Buffering;

public sealed class DiskBufferTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly BufferLimits Roomy = new(64L * 1024 * 1024, 10_000);

    private readonly TempDirectory _folder = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILogger _logger;

    public DiskBufferTests() => _logger = _logs.CreateLogger("buffer");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Samples_are_numbered_in_order_and_sealed_into_batches_of_the_configured_size()
    {
        using var buffer = Open();
        var numbered = Enumerable.Range(0, 7).Select(i => buffer.Append(Sample(i), samplesPerBatch: 3)).ToList();

        Assert.Equal([0L, 1, 2, 3, 4, 5, 6], numbered.Select(s => s.Sequence));
        Assert.Equal(2, buffer.PendingBatches);
        var first = buffer.PeekOldest()!;
        Assert.Equal((0L, 2L), (first.FirstSequence, first.LastSequence));
        Assert.Equal("host-a", first.Batch.HostId);
        Assert.Equal([0L, 1, 2], first.Batch.Samples.Select(s => s.Sequence));
        Assert.Equal(Sample(1).Cpu, first.Batch.Samples[1].Cpu);
    }

    [Fact]
    public void A_batch_is_deleted_only_when_removed_after_a_publish()
    {
        using (var buffer = Open())
        {
            for (var i = 0; i < 4; i++)
            {
                buffer.Append(Sample(i), 2);
            }

            var oldest = buffer.PeekOldest()!;

            // Peeking twice without removing gives the same batch: nothing is lost by a failed send.
            Assert.Equal(oldest.FirstSequence, buffer.PeekOldest()!.FirstSequence);
            buffer.Remove(oldest);
            Assert.Equal(2L, buffer.PeekOldest()!.FirstSequence);
        }

        using var reopened = Open();
        Assert.Equal(1, reopened.PendingBatches);
        Assert.Equal(2L, reopened.PeekOldest()!.FirstSequence);
    }

    [Fact]
    public void Sequences_keep_increasing_across_restarts_even_when_everything_was_sent()
    {
        using (var buffer = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                buffer.Append(Sample(i), 5);
            }

            buffer.Remove(buffer.PeekOldest()!);
            Assert.Equal(0, buffer.PendingBatches);
        }

        using var reopened = Open();
        Assert.Equal(5, reopened.NextSequence);
        Assert.Equal(5, reopened.Append(Sample(5), 5).Sequence);
        Assert.Equal("5", File.ReadAllText(Path.Combine(_folder.Path, DiskBuffer.SequenceFileName)).Trim());
    }

    [Fact]
    public void A_new_buffer_starts_at_the_given_first_sequence_and_an_existing_one_keeps_its_own()
    {
        // A reinstalled host (no state) starts where the agent says (the Unix time in ms), above anything it sent before.
        const long first = 1_795_000_000_000;
        using (var buffer = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 100), _logger, firstSequenceIfNew: first))
        {
            Assert.Equal(first, buffer.NextSequence);
            Assert.Equal(first, buffer.Append(Sample(0), 5).Sequence);
            Assert.Equal(first + 1, buffer.Append(Sample(1), 5).Sequence);
        }

        // On restart the buffer's own state wins: a later (larger) first sequence does not make the numbers jump.
        using (var reopened = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 100), _logger, firstSequenceIfNew: first + 60_000))
        {
            Assert.Equal(first + 2, reopened.NextSequence);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => DiskBuffer.Open(_folder.Path + "-x", "host-a", new BufferLimits(64 * 1024, 100), _logger, firstSequenceIfNew: -1));
    }

    [Fact]
    public void A_crash_with_an_open_batch_loses_no_sample_and_reuses_no_sequence()
    {
        var buffer = Open();
        for (var i = 0; i < 4; i++)
        {
            buffer.Append(Sample(i), 3);
        }

        // A crash: the process dies without sealing (only the lock is released, as the kernel does).
        buffer.Dispose();
        File.WriteAllText(Path.Combine(_folder.Path, "batch-x.json.tmp"), "{ torn");

        using var reopened = Open();
        Assert.Equal(2, reopened.PendingBatches);
        reopened.Remove(reopened.PeekOldest()!);
        var recovered = reopened.PeekOldest()!;
        Assert.Equal([3L], recovered.Batch.Samples.Select(s => s.Sequence));
        Assert.Equal(Sample(3).Cpu, recovered.Batch.Samples[0].Cpu);
        Assert.Equal(4, reopened.Append(Sample(4), 3).Sequence);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public void A_crash_between_sealing_and_clearing_the_open_batch_does_not_duplicate_samples()
    {
        using (var buffer = Open())
        {
            buffer.Append(Sample(0), 2);
            buffer.Append(Sample(1), 2);
        }

        // Put back the open file as it was just before sealing deleted it.
        var sealedBatch = Directory.GetFiles(_folder.Path, "batch-*.json").Single();
        File.Copy(sealedBatch, Path.Combine(_folder.Path, DiskBuffer.OpenFileName));

        using var reopened = Open();
        Assert.Equal(1, reopened.PendingBatches);
        Assert.Equal(2, reopened.NextSequence);
    }

    [Fact]
    public void When_full_the_oldest_batches_are_dropped_counted_and_warned_about()
    {
        using var buffer = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 3), _logger);
        for (var i = 0; i < 10; i++)
        {
            buffer.Append(Sample(i), 2);
        }

        Assert.Equal(3, buffer.PendingBatches);
        Assert.Equal(4, buffer.DroppedSamples);
        Assert.Equal(2, buffer.DroppedBatches);
        Assert.Equal(4L, buffer.PeekOldest()!.FirstSequence);
        var warnings = _logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("full", warnings[^1].Message, StringComparison.Ordinal);
        Assert.Contains("Dropped so far: 4 samples in 2 batches", warnings[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_byte_limit_bounds_the_buffer_too()
    {
        using var buffer = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 1_000_000), _logger);
        var big = Enumerable.Range(0, 200).Select(v => new VmSample($"vm-{v:D4}", 0.001, 1024, 1)).ToList();
        for (var i = 0; i < 40; i++)
        {
            buffer.Append(Sample(i) with { Vms = big }, 4);
        }

        Assert.InRange(buffer.PendingBytes, 1, 64 * 1024);
        var onDisk = Directory.GetFiles(_folder.Path, "batch-*.json").Sum(f => new FileInfo(f).Length);
        Assert.Equal(buffer.PendingBytes, onDisk);
        Assert.True(buffer.DroppedSamples > 0);
    }

    [Fact]
    public void A_batch_being_sent_is_not_dropped_under_it()
    {
        using var buffer = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 2), _logger);
        buffer.Append(Sample(0), 1);
        var inFlight = buffer.PeekOldest()!;
        buffer.Append(Sample(1), 1);
        buffer.Append(Sample(2), 1);

        Assert.Equal(0, inFlight.FirstSequence);
        Assert.Equal([0L, 2L], Directory.GetFiles(_folder.Path, "batch-*.json").Order().Select(f => long.Parse(Path.GetFileName(f)[6..25], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void After_a_failed_send_the_oldest_batch_is_the_first_to_go_when_full()
    {
        using var buffer = DiskBuffer.Open(_folder.Path, "host-a", new BufferLimits(64 * 1024, 2), _logger);
        buffer.Append(Sample(0), 1);
        buffer.Release(buffer.PeekOldest()!);
        buffer.Append(Sample(1), 1);
        buffer.Append(Sample(2), 1);

        Assert.Equal(1L, buffer.PeekOldest()!.FirstSequence);
        Assert.Equal(1, buffer.DroppedSamples);
    }

    [Fact]
    public void An_unreadable_batch_is_moved_aside_and_the_next_one_is_sent()
    {
        using (var buffer = Open())
        {
            for (var i = 0; i < 4; i++)
            {
                buffer.Append(Sample(i), 2);
            }
        }

        var oldest = Directory.GetFiles(_folder.Path, "batch-*.json").Order().First();
        File.WriteAllText(oldest, "not json");
        using var reopened = Open();
        Assert.Equal(2L, reopened.PeekOldest()!.FirstSequence);
        Assert.True(File.Exists(Path.Combine(_folder.Path, DiskBuffer.RejectedFolderName, Path.GetFileName(oldest))));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("rejected", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_agents_cannot_share_a_buffer_folder()
    {
        using var first = Open();
        var error = Assert.Throws<IOException>(Open);
        Assert.Contains("in use by another agent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_a_batch_completes_when_one_is_sealed()
    {
        using var buffer = Open();
        var wait = buffer.WaitForBatchAsync(CancellationToken.None);
        buffer.Append(Sample(0), 2);
        Assert.False(wait.IsCompleted);
        buffer.Append(Sample(1), 2);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Files_on_disk_are_complete_contract_batches()
    {
        using var buffer = Open();
        buffer.Append(Sample(0), 5);
        var open = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(_folder.Path, DiskBuffer.OpenFileName)), TelemetryJsonContext.Default.TelemetryBatch)!;
        Assert.Equal(TelemetryBatch.CurrentSchemaVersion, open.SchemaVersion);
        Assert.Equal([0L], open.Samples.Select(s => s.Sequence));
    }

    private DiskBuffer Open() => DiskBuffer.Open(_folder.Path, "host-a", Roomy, _logger);

    private static TelemetrySample Sample(int i) => new(999, T0.AddSeconds(5 * i), (i % 10) / 10.0, 0.5, 0.01);
}
