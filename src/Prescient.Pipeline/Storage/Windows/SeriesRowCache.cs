using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Rows a writer read or wrote last, with their ETags (or known to be absent), so that a steady stream of samples is
/// written without reading first. Never a source of truth: every write is conditional on the cached ETag (or an add
/// for an absent row), so a stale entry makes the write fail with 412/409, and the writer drops the entry and reads
/// again. Bounded: past <see cref="Capacity"/> rows the least recently used half is dropped.
/// </summary>
internal sealed class SeriesRowCache(int capacity)
{
    private readonly ConcurrentDictionary<(string Partition, string RowKey), Entry> _rows = new();
    private readonly Lock _trimLock = new();
    private long _clock;

    public int Capacity { get; } = capacity;

    public int Count => _rows.Count;

    /// <summary>True when the row's state is known: <paramref name="entity"/> is the row, or null when it is absent.</summary>
    public bool TryGet(string partition, string rowKey, out TableEntity? entity)
    {
        if (_rows.TryGetValue((partition, rowKey), out var entry))
        {
            entry.Touched = Interlocked.Increment(ref _clock);
            entity = entry.Entity;
            return true;
        }

        entity = null;
        return false;
    }

    /// <summary>Remembers the row as read or written (null: known to be absent).</summary>
    public void Set(string partition, string rowKey, TableEntity? entity)
    {
        if (Capacity == 0)
        {
            return;
        }

        _rows[(partition, rowKey)] = new Entry(entity) { Touched = Interlocked.Increment(ref _clock) };
        if (_rows.Count > Capacity)
        {
            Trim();
        }
    }

    public void Remove(string partition, string rowKey) => _rows.TryRemove((partition, rowKey), out _);

    private void Trim()
    {
        lock (_trimLock)
        {
            if (_rows.Count <= Capacity)
            {
                return;
            }

            var oldest = _rows.OrderBy(r => r.Value.Touched).Take(_rows.Count - Capacity / 2).Select(r => r.Key).ToList();
            foreach (var key in oldest)
            {
                _rows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry(TableEntity? entity)
    {
        public TableEntity? Entity { get; } = entity;

        public long Touched { get; set; }
    }
}
