using Microsoft.Extensions.Logging;

namespace Prescient.Agent.Hosting;

/// <summary>The agent's structured log events (event ids 1xx buffer, 2xx sampling, 3xx publishing, 4xx process).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Sampling host {HostId} every {Interval}, {SamplesPerBatch} samples per batch; VMs from {VmSlice}")]
    public static partial void SamplingStarted(ILogger logger, string hostId, TimeSpan interval, int samplesPerBatch, string vmSlice);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug,
        Message = "Sample {Sequence} at {Timestamp:o}: cpu {Cpu:F3} mem {Mem:F3} io {Io:F3}, {VmCount} VMs")]
    public static partial void Sampled(ILogger logger, long sequence, DateTimeOffset timestamp, double cpu, double mem, double io, int vmCount);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error,
        Message = "Sampling failed ({Failures} in a row): {Reason}")]
    public static partial void SamplingFailed(ILogger logger, int failures, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information,
        Message = "Sampling stopped; the open batch was sealed; next sequence {NextSequence}")]
    public static partial void SamplingStopped(ILogger logger, long nextSequence);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Publishing to {Transport}")]
    public static partial void PublishingTo(ILogger logger, string transport);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug,
        Message = "Published batch {First}..{Last}; {Pending} batches waiting")]
    public static partial void Published(ILogger logger, long first, long last, int pending);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning,
        Message = "Transport unavailable ({Failures} failed attempts): {Reason}. Batches stay in the buffer ({Pending} waiting, {Bytes} bytes); retrying in {Delay}")]
    public static partial void TransportDown(ILogger logger, int failures, string reason, int pending, long bytes, TimeSpan delay);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information,
        Message = "Transport is back after {Failures} failed attempts over {Outage}; sending {Pending} buffered batches in order")]
    public static partial void TransportBack(ILogger logger, int failures, TimeSpan outage, int pending);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error,
        Message = "Batch {First}..{Last} refused for good and moved to rejected/: {Reason}")]
    public static partial void BatchRejected(ILogger logger, long first, long last, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information,
        Message = "Publishing stopped; {Pending} batches stay in the buffer for the next start")]
    public static partial void PublishingStopped(ILogger logger, int pending);

    [LoggerMessage(EventId = 306, Level = LogLevel.Information,
        Message = "Flush on stop: sent {Sent} batches; {Pending} stay in the buffer for the next start")]
    public static partial void Flushed(ILogger logger, int sent, int pending);

    [LoggerMessage(EventId = 400, Level = LogLevel.Critical, Message = "The agent stops after a fatal error: {Reason}")]
    public static partial void Fatal(ILogger logger, string reason, Exception exception);
}
