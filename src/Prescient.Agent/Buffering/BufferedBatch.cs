using Prescient.Telemetry;

namespace Prescient.Agent.Buffering;

/// <summary>A sealed batch waiting in the buffer.</summary>
public sealed record BufferedBatch(string FileName, long FirstSequence, long LastSequence, TelemetryBatch Batch);
