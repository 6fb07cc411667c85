namespace Prescient.Local.Durable;

/// <summary>One event of an orchestration's history (from the backend's history table).</summary>
public sealed record HistoryEntry(int EventId, string EventType, DateTime Timestamp, string? Name, int? TaskScheduledId);
