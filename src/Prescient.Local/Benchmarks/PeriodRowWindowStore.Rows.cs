using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

/// <summary>Rows of the earlier layout: reading, and building the entities a write sends.</summary>
public sealed partial class PeriodRowWindowStore
{
    private static SequenceLedger ReadLedger(TableEntity? row) =>
        row is null ? new SequenceLedger() : new SequenceLedger(row.GetInt64("Floor") ?? 0, WindowStore.ParseRanges(TableText.Read(row, "Sequences")));

    private static TableEntity ToLedgerEntity(string hostId, SequenceLedger ledger)
    {
        var entity = new TableEntity(hostId, LedgerRowKey)
        {
            ["Floor"] = ledger.Floor,
            ["RangeCount"] = ledger.Ranges.Count,
        };
        TableText.Write(entity, "Sequences", WindowStore.FormatRanges(ledger.Ranges));
        return entity;
    }

    /// <summary>The chunk's existing window rows and the host's ledger row (null when absent), read concurrently.</summary>
    private async Task<(Dictionary<string, TableEntity> Rows, TableEntity? Ledger)> ReadRowsAsync(
        string hostId, (PeriodKey Period, List<TelemetrySample> Samples)[] chunk, CancellationToken cancellationToken)
    {
        var ledgerRead = _table.GetEntityIfExistsAsync<TableEntity>(hostId, LedgerRowKey, cancellationToken: cancellationToken);
        var rowsRead = ReadWindowRowsAsync(hostId, chunk, cancellationToken);
        await Task.WhenAll(ledgerRead, rowsRead);
        var ledger = await ledgerRead;
        return (await rowsRead, ledger.HasValue ? ledger.Value : null);
    }

    private async Task<Dictionary<string, TableEntity>> ReadWindowRowsAsync(string hostId, (PeriodKey Period, List<TelemetrySample> Samples)[] chunk, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        if (chunk.Length == 1)
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(hostId, RowKeyOf(chunk[0].Period), cancellationToken: cancellationToken);
            if (response.HasValue && response.Value is { } single)
            {
                rows.Add(single.RowKey, single);
            }

            return rows;
        }

        var wanted = chunk.Select(c => RowKeyOf(c.Period)).ToHashSet(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {RowKeyOf(chunk[0].Period)} and RowKey le {RowKeyOf(chunk[^1].Period)}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (wanted.Contains(entity.RowKey))
            {
                rows[entity.RowKey] = entity;
            }
        }

        return rows;
    }

    private sealed class WorkingWindow
    {
        public WorkingWindow(string hostId, PeriodKey period) => Accumulator = new WindowAccumulator(hostId, period);

        public WorkingWindow(WindowAccumulator accumulator) => Accumulator = accumulator;

        public WindowAccumulator Accumulator { get; }

        public long CpuNanos { get; set; }

        public long MemNanos { get; set; }

        public long IoNanos { get; set; }

        public IReadOnlyList<VmSample>? Vms { get; set; }

        public long? VmsSequence { get; set; }

        public bool VmsChanged { get; set; }

        public string? VmsJson { get; set; }
    }

    private static WorkingWindow ReadState(TableEntity row)
    {
        var hostId = row.PartitionKey;
        var period = LegacyWindows.ParsePeriod(row);
        var state = new WindowState(
            hostId,
            period,
            row.GetInt64("SumNanos") ?? 0,
            row.GetDouble("Max") ?? 0,
            row.GetInt32("Count") ?? 0,
            WindowStore.ParseRanges(TableText.Read(row, "Sequences")));
        return new WorkingWindow(WindowAccumulator.Restore(state))
        {
            CpuNanos = row.GetInt64("CpuNanos") ?? 0,
            MemNanos = row.GetInt64("MemNanos") ?? 0,
            IoNanos = row.GetInt64("IoNanos") ?? 0,
            VmsSequence = row.GetInt64("VmsSequence"),
            VmsJson = TableText.Read(row, "Vms"),
        };
    }

    private TableEntity ToEntity(WorkingWindow window, TableEntity? previous)
    {
        var state = window.Accumulator.ToState();
        var entity = new TableEntity(state.HostId, RowKeyOf(state.Period))
        {
            ["Date"] = state.Period.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Period"] = state.Period.Index,
            ["Start"] = Calendar.StartOf(state.Period),
            ["SumNanos"] = state.SumNanos,
            ["Max"] = state.Max,
            ["Count"] = state.Count,
            ["Mean"] = state.Count == 0 ? 0 : state.SumNanos / WindowAccumulator.NanosPerUnit / state.Count,
            ["CpuNanos"] = window.CpuNanos,
            ["MemNanos"] = window.MemNanos,
            ["IoNanos"] = window.IoNanos,
            ["VmsSequence"] = window.VmsSequence,
        };
        TableText.Write(entity, "Sequences", WindowStore.FormatRanges(state.Sequences));
        var vmsJson = window.VmsChanged
            ? JsonSerializer.Serialize(window.Vms, StorageJsonContext.Default.IReadOnlyListVmSample)
            : window.VmsJson ?? (previous is null ? null : TableText.Read(previous, "Vms"));
        TableText.Write(entity, "Vms", vmsJson);
        return entity;
    }

    private static int EstimateChars(TableEntity entity) =>
        ((IDictionary<string, object>)entity).Values.Sum(v => v is string s ? s.Length : 16) + 200;

    private static long ToNanos(double value) => (long)Math.Round(value * WindowAccumulator.NanosPerUnit, MidpointRounding.ToEven);
}
