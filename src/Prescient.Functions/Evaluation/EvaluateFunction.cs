using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Prescient.Functions.Evaluation;

/// <summary>The controller cycle: evaluate every host, record decisions, start migrations (unless dry-run).</summary>
public sealed partial class EvaluateFunction(IEvaluationCycle cycle, ILogger<EvaluateFunction> logger)
{
    /// <summary>Every 5 minutes: several evaluations per 20-minute period, so a closed period is acted on promptly.</summary>
    public const string Schedule = "0 */5 * * * *";

    [Function("Evaluate")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var summary = await cycle.RunAsync(cancellationToken);
        LogEvaluated(summary.HostsEvaluated, summary.Decisions, summary.MigrationsStarted, summary.DryRun);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluated {Hosts} hosts: {Decisions} decisions, {Migrations} migrations started (dry-run {DryRun})")]
    private partial void LogEvaluated(int hosts, int decisions, int migrations, bool dryRun);
}

/// <summary>What one evaluation cycle did.</summary>
public sealed record EvaluationSummary(int HostsEvaluated, int Decisions, int MigrationsStarted, bool DryRun);

/// <summary>The pipeline's evaluate job as the timer function sees it.</summary>
public interface IEvaluationCycle
{
    Task<EvaluationSummary> RunAsync(CancellationToken cancellationToken);
}
