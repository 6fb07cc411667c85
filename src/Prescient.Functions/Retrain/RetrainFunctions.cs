using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Retrain;

namespace Prescient.Functions.Retrain;

/// <summary>
/// How a retrain run retries an activity (transient storage faults) before reporting it failed, and how many hosts
/// one activity trains together (their networks share SIMD lanes).
/// </summary>
public sealed record RetrainFleetInput(int MaxAttempts, TimeSpan FirstRetryInterval, int BatchHosts = 256)
{
    public static RetrainFleetInput Default { get; } = new(3, TimeSpan.FromSeconds(10));
}

/// <summary>What one retrain run did over the fleet: hosts trained, skipped (with their reasons in each host's outcome) and failed.</summary>
public sealed record RetrainFleetResult(int Hosts, int Trained, int Skipped, int Failed, IReadOnlyList<string> FailedHostIds, IReadOnlyList<HostRetrainResult> Results);

/// <summary>
/// Retrain: an hourly timer starts one orchestration (instance id per hour, so a repeated timer firing does not
/// start a second run) that plans the run (the hosts; a full retrain when the fleet tree model is due, else
/// incremental), trains the fleet tree model when due, then fans out one activity per batch of hosts and gathers the
/// results. A batch that fails after its retries is retried host by host, so a failing host is reported and does not
/// stop the others.
/// </summary>
public sealed partial class RetrainFunctions(RetrainService retrain, TimeProvider time, ILogger<RetrainFunctions> logger)
{
    public const string OrchestratorName = "RetrainFleet";
    public const string ListHostsActivityName = "RetrainListHosts";
    public const string HostActivityName = "RetrainHost";
    public const string HostsActivityName = "RetrainHosts";
    public const string FleetModelActivityName = "RetrainFleetModel";

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
        var plan = await context.CallActivityAsync<RetrainPlan>(ListHostsActivityName, retry);
        var hostIds = plan.HostIds;
        if (plan.Full)
        {
            await context.CallActivityAsync<string?>(FleetModelActivityName, hostIds, retry);
        }

        var batches = hostIds.Chunk(Math.Max(1, input.BatchHosts)).Select(b => RetrainBatchAsync(context, b, retry)).ToList();
        var results = (await Task.WhenAll(batches)).SelectMany(r => r).ToList();
        var failed = results.Where(r => r.Result is null).Select(r => r.HostId).ToList();
        var done = results.Where(r => r.Result is not null).Select(r => r.Result!).ToList();
        var trained = done.Count(r => r.Version is not null);
        return new RetrainFleetResult(hostIds.Count, trained, done.Count - trained, failed.Count, failed, done);
    }

    private static async Task<IReadOnlyList<(string HostId, HostRetrainResult? Result)>> RetrainBatchAsync(TaskOrchestrationContext context, string[] hostIds, TaskOptions retry)
    {
        try
        {
            var results = await context.CallActivityAsync<IReadOnlyList<HostRetrainResult>>(HostsActivityName, hostIds, retry);
            return [.. results.Select(r => (r.HostId, (HostRetrainResult?)r))];
        }
        catch (TaskFailedException)
        {
            // One host may be the cause: retry them one by one, so only the failing ones are reported.
            return await Task.WhenAll(hostIds.Select(id => RetrainOneAsync(context, id, retry)));
        }
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
    public Task<RetrainPlan> PlanAsync([ActivityTrigger] string? input, CancellationToken cancellationToken) =>
        retrain.PlanAsync(cancellationToken);

    [Function(FleetModelActivityName)]
    public Task<string?> TrainFleetModelAsync([ActivityTrigger] IReadOnlyList<string> hostIds, CancellationToken cancellationToken) =>
        retrain.TrainFleetModelAsync(hostIds, cancellationToken);

    [Function(HostsActivityName)]
    public Task<IReadOnlyList<HostRetrainResult>> RetrainHostsAsync([ActivityTrigger] IReadOnlyList<string> hostIds, CancellationToken cancellationToken) =>
        retrain.RetrainHostsAsync(hostIds, cancellationToken);

    [Function(HostActivityName)]
    public Task<HostRetrainResult> RetrainHostAsync([ActivityTrigger] string hostId, CancellationToken cancellationToken) =>
        retrain.RetrainHostAsync(hostId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} started")]
    private partial void LogStarted(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrain run {InstanceId} already exists ({Status}); not starting another")]
    private partial void LogAlreadyStarted(string instanceId, OrchestrationRuntimeStatus status);
}
