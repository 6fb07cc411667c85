using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Prescient.Functions.Retrain;

/// <summary>What retraining one host did: its accuracy on held-out recent periods, or why it was skipped.</summary>
public sealed record RetrainHostResult(string HostId, bool Trained, double? HeldOutMae, int Windows, string? SkippedReason);

/// <summary>What one retrain run did over the fleet.</summary>
public sealed record RetrainFleetResult(int Hosts, int Trained, int Skipped, int Failed, IReadOnlyList<string> FailedHostIds);

/// <summary>The pipeline's retrain job as the durable fan-out sees it.</summary>
public interface IRetrainService
{
    Task<IReadOnlyList<string>> ListHostIdsAsync(CancellationToken cancellationToken);

    /// <summary>Trains or updates one host's network(s) from its windows, scores it, stores model and accuracy. Idempotent.</summary>
    Task<RetrainHostResult> RetrainHostAsync(string hostId, CancellationToken cancellationToken);
}

/// <summary>
/// Retrain: an hourly timer starts one orchestration (instance id per hour, so a repeated timer firing does not
/// start a second run) that lists the hosts and fans out one activity per host, then gathers the results.
/// A host whose activity fails after its retries is reported, and does not stop the others.
/// </summary>
public sealed partial class RetrainFunctions(IRetrainService retrain, TimeProvider time, ILogger<RetrainFunctions> logger)
{
    public const string Schedule = "0 7 * * * *";
    public const string OrchestratorName = "RetrainFleet";
    public const string ListHostsActivityName = "RetrainListHosts";
    public const string HostActivityName = "RetrainHost";

    private static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(10), backoffCoefficient: 2));

    [Function("RetrainTimer")]
    public async Task StartAsync(
        [TimerTrigger(Schedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(client);
        var instanceId = InstanceIdFor(time.GetUtcNow());
        var existing = await client.GetInstanceAsync(instanceId, cancellationToken);
        if (existing is not null)
        {
            LogAlreadyStarted(instanceId, existing.RuntimeStatus);
            return;
        }

        await client.ScheduleNewOrchestrationInstanceAsync(
            OrchestratorName, new StartOrchestrationOptions { InstanceId = instanceId }, cancellationToken);
        LogStarted(instanceId);
    }

    /// <summary>One run per hour: <c>retrain-yyyyMMddHH</c> (UTC).</summary>
    public static string InstanceIdFor(DateTimeOffset now) =>
        "retrain-" + now.UtcDateTime.ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture);

    [Function(OrchestratorName)]
    public static async Task<RetrainFleetResult> RunOrchestrationAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hostIds = await context.CallActivityAsync<IReadOnlyList<string>>(ListHostsActivityName, ActivityRetry);
        var tasks = hostIds.Select(id => RetrainOneAsync(context, id)).ToList();
        var results = await Task.WhenAll(tasks);
        var failed = results.Where(r => r.Result is null).Select(r => r.HostId).ToList();
        var trained = results.Count(r => r.Result is { Trained: true });
        return new RetrainFleetResult(hostIds.Count, trained, results.Length - trained - failed.Count, failed.Count, failed);
    }

    private static async Task<(string HostId, RetrainHostResult? Result)> RetrainOneAsync(TaskOrchestrationContext context, string hostId)
    {
        try
        {
            return (hostId, await context.CallActivityAsync<RetrainHostResult>(HostActivityName, hostId, ActivityRetry));
        }
        catch (TaskFailedException)
        {
            return (hostId, null);
        }
    }

    [Function(ListHostsActivityName)]
    public Task<IReadOnlyList<string>> ListHostsAsync([ActivityTrigger] string? input, CancellationToken cancellationToken) =>
        retrain.ListHostIdsAsync(cancellationToken);

    [Function(HostActivityName)]
    public Task<RetrainHostResult> RetrainHostAsync([ActivityTrigger] string hostId, CancellationToken cancellationToken) =>
        retrain.RetrainHostAsync(hostId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} started")]
    private partial void LogStarted(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} already exists ({Status}); not starting another")]
    private partial void LogAlreadyStarted(string instanceId, OrchestrationRuntimeStatus status);
}
