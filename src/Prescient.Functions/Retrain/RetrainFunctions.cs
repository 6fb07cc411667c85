using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Retrain;

namespace Prescient.Functions.Retrain;

/// <summary>How a retrain run retries a host's activity (transient storage faults) before reporting it failed.</summary>
public sealed record RetrainFleetInput(int MaxAttempts, TimeSpan FirstRetryInterval)
{
    public static RetrainFleetInput Default { get; } = new(3, TimeSpan.FromSeconds(10));
}

/// <summary>What one retrain run did over the fleet: hosts trained, skipped (with their reasons in each host's outcome) and failed.</summary>
public sealed record RetrainFleetResult(int Hosts, int Trained, int Skipped, int Failed, IReadOnlyList<string> FailedHostIds, IReadOnlyList<HostRetrainResult> Results);

/// <summary>
/// Retrain: an hourly timer starts one orchestration (instance id per hour, so a repeated timer firing does not
/// start a second run) that lists the hosts and fans out one activity per host, then gathers the results.
/// A host whose activity fails after its retries is reported, and does not stop the others.
/// </summary>
public sealed partial class RetrainFunctions(RetrainService retrain, TimeProvider time, ILogger<RetrainFunctions> logger)
{
    public const string OrchestratorName = "RetrainFleet";
    public const string ListHostsActivityName = "RetrainListHosts";
    public const string HostActivityName = "RetrainHost";

    [Function("RetrainTimer")]
    public async Task StartAsync(
        [TimerTrigger($"%{AppSettingNames.RetrainSchedule}%")] TimerInfo timer,
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
            OrchestratorName, RetrainFleetInput.Default, new StartOrchestrationOptions { InstanceId = instanceId }, cancellationToken);
        LogStarted(instanceId);
    }

    /// <summary>One run per hour: <c>retrain-yyyyMMddHH</c> (UTC).</summary>
    public static string InstanceIdFor(DateTimeOffset now) =>
        "retrain-" + now.UtcDateTime.ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture);

    [Function(OrchestratorName)]
    public static async Task<RetrainFleetResult> RunOrchestrationAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.GetInput<RetrainFleetInput>() ?? RetrainFleetInput.Default;
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(input.MaxAttempts, input.FirstRetryInterval, backoffCoefficient: 2));
        var hostIds = await context.CallActivityAsync<IReadOnlyList<string>>(ListHostsActivityName, retry);
        var tasks = hostIds.Select(id => RetrainOneAsync(context, id, retry)).ToList();
        var results = await Task.WhenAll(tasks);
        var failed = results.Where(r => r.Result is null).Select(r => r.HostId).ToList();
        var done = results.Where(r => r.Result is not null).Select(r => r.Result!).ToList();
        var trained = done.Count(r => r.Version is not null);
        return new RetrainFleetResult(hostIds.Count, trained, done.Count - trained, failed.Count, failed, done);
    }

    private static async Task<(string HostId, HostRetrainResult? Result)> RetrainOneAsync(TaskOrchestrationContext context, string hostId, TaskOptions retry)
    {
        try
        {
            return (hostId, await context.CallActivityAsync<HostRetrainResult>(HostActivityName, hostId, retry));
        }
        catch (TaskFailedException)
        {
            return (hostId, null);
        }
    }

    [Function(ListHostsActivityName)]
    public Task<IReadOnlyList<string>> ListHostsAsync([ActivityTrigger] string? input, CancellationToken cancellationToken) =>
        retrain.ListHostsAsync(cancellationToken);

    [Function(HostActivityName)]
    public Task<HostRetrainResult> RetrainHostAsync([ActivityTrigger] string hostId, CancellationToken cancellationToken) =>
        retrain.RetrainHostAsync(hostId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} started")]
    private partial void LogStarted(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} already exists ({Status}); not starting another")]
    private partial void LogAlreadyStarted(string instanceId, OrchestrationRuntimeStatus status);
}
