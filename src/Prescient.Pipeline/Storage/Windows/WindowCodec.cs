using System.Buffers;
using System.Buffers.Binary;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;

namespace Prescient.Pipeline.Storage;

/// <summary>A window being written: Core's accumulator (count, exact sum, max, sequences) and the per-resource sums.</summary>
internal sealed class WindowData(WindowAccumulator accumulator)
{
    public WindowAccumulator Accumulator { get; } = accumulator;

    public PeriodKey Period => Accumulator.Period;

    public long CpuNanos { get; set; }

    public long MemNanos { get; set; }

    public long IoNanos { get; set; }

    public LatestWindow ToLatest()
    {
        var state = Accumulator.ToState();
        return new LatestWindow(state.Period, state.Count, state.SumNanos, state.Max, CpuNanos, MemNanos, IoNanos);
    }
}

/// <summary>One of a host's newest windows as its head row keeps it for the evaluator (everything but the sequences).</summary>
internal readonly record struct LatestWindow(PeriodKey Period, int Count, long SumNanos, double Max, long CpuNanos, long MemNanos, long IoNanos);

/// <summary>
/// The binary form of a row's windows (docs/adr/0003). A row covers whole days from a base date; a window's slot is
/// its day offset times the periods per day plus its index. Two columns: the series <c>S</c> (per window: slot delta,
/// count, sum in nanounits; what a retrain reads) and the detail <c>D</c> (per window, same order: max as a double,
/// CPU, memory and I/O sums in nanounits, and the sequence ranges, each as the gap from the previous range's end and
/// its length). Integers are LEB128 varints (signed ones zigzag), so a day of 72 windows takes about 2.5 KB.
/// </summary>
internal static class WindowCodec
{
    private const byte Version = 1;

    public static (byte[] Series, byte[] Detail) Encode(IReadOnlyList<WindowData> windows, DateOnly baseDate, int periodsPerDay)
    {
        var series = new ArrayBufferWriter<byte>(16 + windows.Count * 8);
        var detail = new ArrayBufferWriter<byte>(16 + windows.Count * 32);
        series.Write([Version]);
        detail.Write([Version]);
        WriteUnsigned(series, (ulong)windows.Count);
        var previousSlot = -1L;
        var previousLast = 0L;
        Span<byte> max = stackalloc byte[8];
        foreach (var window in windows)
        {
            var slot = SlotOf(window.Period, baseDate, periodsPerDay);
            if (slot <= previousSlot)
            {
                throw new ArgumentException("Windows must be in period order, each period once, on or after the row's base date.", nameof(windows));
            }

            var state = window.Accumulator.ToState();
            WriteUnsigned(series, (ulong)(slot - previousSlot - 1));
            WriteUnsigned(series, (ulong)state.Count);
            WriteUnsigned(series, (ulong)state.SumNanos);
            previousSlot = slot;

            BinaryPrimitives.WriteDoubleLittleEndian(max, state.Max);
            detail.Write(max);
            WriteUnsigned(detail, (ulong)window.CpuNanos);
            WriteUnsigned(detail, (ulong)window.MemNanos);
            WriteUnsigned(detail, (ulong)window.IoNanos);
            WriteUnsigned(detail, (ulong)state.Sequences.Count);
            foreach (var range in state.Sequences)
            {
                WriteSigned(detail, range.First - previousLast);
                WriteUnsigned(detail, (ulong)(range.Last - range.First));
                previousLast = range.Last;
            }
        }

        return (series.WrittenSpan.ToArray(), detail.WrittenSpan.ToArray());
    }

    /// <summary>Count and exact sum of each window (the series column alone).</summary>
    /// <exception cref="FormatException">The bytes are not a series this version wrote.</exception>
    public static List<(PeriodKey Period, int Count, long SumNanos)> DecodeSeries(ReadOnlySpan<byte> series, DateOnly baseDate, int periodsPerDay)
    {
        var reader = new Reader(series);
        reader.ExpectVersion();
        var count = reader.Count(maxItems: series.Length);
        var result = new List<(PeriodKey, int, long)>(count);
        var slot = -1L;
        for (var i = 0; i < count; i++)
        {
            slot += (long)reader.Unsigned() + 1;
            result.Add((PeriodOf(slot, baseDate, periodsPerDay), checked((int)reader.Unsigned()), checked((long)reader.Unsigned())));
        }

        return result;
    }

    /// <summary>The windows of a row, restored into Core's accumulators (which check that counts and sequences agree).</summary>
    /// <exception cref="FormatException">The bytes are not windows this version wrote, or they contradict each other.</exception>
    public static List<WindowData> Decode(string hostId, ReadOnlySpan<byte> series, ReadOnlySpan<byte> detail, DateOnly baseDate, int periodsPerDay)
    {
        var sums = DecodeSeries(series, baseDate, periodsPerDay);
        var reader = new Reader(detail);
        reader.ExpectVersion();
        var result = new List<WindowData>(sums.Count);
        var previousLast = 0L;
        foreach (var (period, count, sumNanos) in sums)
        {
            var max = reader.Double();
            var cpu = checked((long)reader.Unsigned());
            var mem = checked((long)reader.Unsigned());
            var io = checked((long)reader.Unsigned());
            var rangeCount = reader.Count(maxItems: detail.Length);
            var ranges = new SequenceRange[rangeCount];
            for (var r = 0; r < rangeCount; r++)
            {
                var first = previousLast + reader.Signed();
                var last = first + checked((long)reader.Unsigned());
                ranges[r] = new SequenceRange(first, last);
                previousLast = last;
            }

            try
            {
                var accumulator = WindowAccumulator.Restore(new WindowState(hostId, period, sumNanos, max, count, ranges));
                result.Add(new WindowData(accumulator) { CpuNanos = cpu, MemNanos = mem, IoNanos = io });
            }
            catch (ArgumentException exception)
            {
                throw new FormatException($"Stored window {period} of host '{hostId}' is inconsistent: {exception.Message}", exception);
            }
        }

        return result;
    }

    public static byte[] EncodeLatest(IReadOnlyList<LatestWindow> windows)
    {
        var buffer = new ArrayBufferWriter<byte>(8 + windows.Count * 40);
        buffer.Write([Version]);
        WriteUnsigned(buffer, (ulong)windows.Count);
        Span<byte> max = stackalloc byte[8];
        foreach (var w in windows)
        {
            WriteUnsigned(buffer, (ulong)w.Period.Date.DayNumber);
            WriteUnsigned(buffer, (ulong)w.Period.Index);
            WriteUnsigned(buffer, (ulong)w.Count);
            WriteUnsigned(buffer, (ulong)w.SumNanos);
            BinaryPrimitives.WriteDoubleLittleEndian(max, w.Max);
            buffer.Write(max);
            WriteUnsigned(buffer, (ulong)w.CpuNanos);
            WriteUnsigned(buffer, (ulong)w.MemNanos);
            WriteUnsigned(buffer, (ulong)w.IoNanos);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="FormatException">The bytes are not what <see cref="EncodeLatest"/> wrote.</exception>
    public static List<LatestWindow> DecodeLatest(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return [];
        }

        var reader = new Reader(bytes);
        reader.ExpectVersion();
        var count = reader.Count(maxItems: bytes.Length);
        var result = new List<LatestWindow>(count);
        for (var i = 0; i < count; i++)
        {
            var date = DateOnly.FromDayNumber(checked((int)reader.Unsigned()));
            var index = checked((int)reader.Unsigned());
            result.Add(new LatestWindow(
                new PeriodKey(date, index),
                checked((int)reader.Unsigned()),
                checked((long)reader.Unsigned()),
                reader.Double(),
                checked((long)reader.Unsigned()),
                checked((long)reader.Unsigned()),
                checked((long)reader.Unsigned())));
        }

        return result;
    }

    private static long SlotOf(PeriodKey period, DateOnly baseDate, int periodsPerDay) =>
        ((long)period.Date.DayNumber - baseDate.DayNumber) * periodsPerDay + period.Index;

    private static PeriodKey PeriodOf(long slot, DateOnly baseDate, int periodsPerDay) =>
        new(baseDate.AddDays(checked((int)(slot / periodsPerDay))), (int)(slot % periodsPerDay));

    private static void WriteUnsigned(ArrayBufferWriter<byte> buffer, ulong value)
    {
        var span = buffer.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        buffer.Advance(n);
    }

    private static void WriteSigned(ArrayBufferWriter<byte> buffer, long value) =>
        WriteUnsigned(buffer, (ulong)((value << 1) ^ (value >> 63)));

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public void ExpectVersion()
        {
            if (_bytes.IsEmpty || _bytes[0] != Version)
            {
                throw new FormatException(_bytes.IsEmpty ? "Stored windows are empty." : $"Stored windows have format version {_bytes[0]}; this version reads {Version}.");
            }

            _position = 1;
        }

        /// <summary>An item count, which cannot exceed the bytes left (every item takes at least one byte).</summary>
        public int Count(int maxItems)
        {
            var value = Unsigned();
            return value <= (ulong)maxItems ? (int)value : throw new FormatException($"Stored windows claim {value} items in {maxItems} bytes.");
        }

        public ulong Unsigned()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _bytes.Length)
                {
                    throw new FormatException("Stored windows end in the middle of a number.");
                }

                var b = _bytes[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("Stored windows hold a number longer than 64 bits.");
        }

        public long Signed()
        {
            var raw = Unsigned();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        public double Double()
        {
            if (_position + 8 > _bytes.Length)
            {
                throw new FormatException("Stored windows end in the middle of a number.");
            }

            var value = BinaryPrimitives.ReadDoubleLittleEndian(_bytes.Slice(_position, 8));
            _position += 8;
            return value;
        }
    }
}
