using System.Globalization;
using Microsoft.Extensions.Options;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Retrain;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Configuration;

/// <summary>
/// Settings of the pipeline services (bound from configuration by <see cref="PipelineServiceCollectionExtensions"/>).
/// Storage is either a connection string (Azurite, account key) or service URIs used with the Azure identity of
/// the process (<c>PrescientStorage__tableServiceUri</c> and friends).
/// </summary>
public sealed class PipelineOptions
{
    public string? StorageConnectionString { get; set; }

    public Uri? TableServiceUri { get; set; }

    public Uri? BlobServiceUri { get; set; }

    public Uri? QueueServiceUri { get; set; }

    /// <summary>Managed identity client id for the service URIs (null: the default credential chain).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Prefix of every table, container and queue name (letters and digits; isolates runs sharing an account).</summary>
    public string NamePrefix { get; set; } = string.Empty;

    /// <summary>The telemetry queue's name (default: <c>{prefix}telemetry</c>).</summary>
    public string? TelemetryQueueName { get; set; }

    public int PeriodMinutes { get; set; } = 20;

    /// <summary>IANA or Windows time zone id in which periods and day categories are counted.</summary>
    public string TimeZone { get; set; } = "UTC";

    public double CpuWeight { get; set; } = 1;

    public double MemoryWeight { get; set; }

    public double IoWeight { get; set; }

    public IngestOptions Ingest { get; set; } = new();

    /// <summary>The window store: partitions, cache, limits (<c>Prescient__Pipeline__Windows__Partitions</c>...; docs/scale.md).</summary>
    public WindowStoreOptions Windows { get; set; } = new();

    public RetrainOptions Retrain { get; set; } = new();

    public EvaluateOptions Evaluate { get; set; } = new();

    /// <summary>How long history is kept (<c>Prescient:Pipeline:Retention:Days</c>, default 30).</summary>
    public Retention.RetentionOptions Retention { get; set; } = new();

    public PeriodCalendar Calendar() =>
        new(TimeSpan.FromMinutes(PeriodMinutes), TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    public WorkloadMeasure Measure() => new(CpuWeight, MemoryWeight, IoWeight);
}

/// <summary>Validates <see cref="PipelineOptions"/> at start-up with messages that say what to set.</summary>
public sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.StorageConnectionString);
        var hasUris = options.TableServiceUri is not null && options.BlobServiceUri is not null && options.QueueServiceUri is not null;
        if (!hasConnectionString && !hasUris)
        {
            errors.Add($"Storage is not configured: set '{AppSettingNames.Storage}' to a connection string, or " +
                       $"'{AppSettingNames.Storage}__tableServiceUri', '__blobServiceUri' and '__queueServiceUri' for identity-based access.");
        }

        if (options.NamePrefix.Any(c => !char.IsAsciiLetterOrDigit(c)) || options.NamePrefix.Length > 20 ||
            (options.NamePrefix.Length > 0 && !char.IsAsciiLetter(options.NamePrefix[0])))
        {
            errors.Add($"NamePrefix '{options.NamePrefix}' must be up to 20 ASCII letters and digits, starting with a letter (table names allow nothing else).");
        }

        if (options.PeriodMinutes < 1 || 1440 % options.PeriodMinutes != 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"PeriodMinutes {options.PeriodMinutes} must divide a day evenly (for example 10, 15, 20, 30)."));
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            errors.Add($"TimeZone '{options.TimeZone}' is not a time zone known to this system (use an IANA id such as 'Europe/Paris', or 'UTC').");
        }

        errors.AddRange(WorkloadMeasure.Validate(options.CpuWeight, options.MemoryWeight, options.IoWeight));
        if (options.Ingest.HostTouchInterval < TimeSpan.Zero)
        {
            errors.Add("Ingest:HostTouchInterval must be zero or more.");
        }

        if (options.Ingest.MaxDequeueCount < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"Ingest:MaxDequeueCount {options.Ingest.MaxDequeueCount} must be at least 1 (deliveries of a telemetry queue message before it is moved to the poison queue; default 5, as host.json's extensions.queues.maxDequeueCount)."));
        }

        try
        {
            options.Windows.Validate();
        }
        catch (ArgumentOutOfRangeException exception)
        {
            errors.Add("Windows:" + exception.ParamName + ": " + exception.Message.Split(" (Parameter", 2)[0]);
        }

        errors.AddRange(options.Retrain.Validate());
        if (options.Evaluate.LookaheadPeriods < 1 || options.Evaluate.Parallelism < 1 || !(options.Evaluate.DefaultCpuCapacity > 0) || !(options.Evaluate.DefaultMemoryMb > 0))
        {
            errors.Add("Evaluate: LookaheadPeriods and Parallelism must be at least 1, DefaultCpuCapacity and DefaultMemoryMb above 0.");
        }

        errors.AddRange(options.Retention.Validate());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Event Hubs consumption settings (only needed when telemetry arrives through Event Hubs).</summary>
public sealed class EventHubIngestOptions
{
    /// <summary>A connection string (local tools) or null to use <see cref="FullyQualifiedNamespace"/> with the process identity.</summary>
    public string? ConnectionString { get; set; }

    public string? FullyQualifiedNamespace { get; set; }

    public string EventHubName { get; set; } = "telemetry";

    public string ConsumerGroup { get; set; } = "$Default";

    public EventHubDrainOptions Drain { get; set; } = new();
}

public sealed class EventHubIngestOptionsValidator : IValidateOptions<EventHubIngestOptions>
{
    public ValidateOptionsResult Validate(string? name, EventHubIngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
        {
            errors.Add($"Event Hubs is not configured: set '{AppSettingNames.TelemetryHub}' to a connection string or '{AppSettingNames.TelemetryHub}__fullyQualifiedNamespace'.");
        }

        if (string.IsNullOrWhiteSpace(options.EventHubName))
        {
            errors.Add($"Set '{AppSettingNames.TelemetryHubName}' to the Event Hub's name.");
        }

        if (string.IsNullOrWhiteSpace(options.ConsumerGroup))
        {
            errors.Add($"Set '{AppSettingNames.TelemetryConsumerGroup}' to a consumer group.");
        }

        if (options.Drain.BatchSize < 1 || options.Drain.MaxEventsPerPartition < 1 || options.Drain.MaxWait <= TimeSpan.Zero ||
            options.Drain.MaxDurationPerPartition <= TimeSpan.Zero || options.Drain.OwnershipDuration <= options.Drain.MaxWait)
        {
            errors.Add("Event Hubs drain: BatchSize and MaxEventsPerPartition must be at least 1, durations positive, OwnershipDuration longer than MaxWait.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
