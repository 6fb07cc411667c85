using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Prescient.Functions.Durable;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Evaluate;

namespace Prescient.Functions.Evaluation;

/// <summary>
/// The controller cycle: evaluate every host, record each decision with its explanation, and start a migration or
/// evacuation orchestration for each planned move (dry-run hosts: recorded only).
/// </summary>
public sealed partial class EvaluateFunction(EvaluateService evaluate, ILogger<EvaluateFunction> logger)
{
    [Function("Evaluate")]
    public async Task<EvaluationCycleResult> RunAsync(
        [TimerTrigger($"%{AppSettingNames.EvaluateSchedule}%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(client);
        using var scope = DurableClientScope.Use(client);
        var result = await evaluate.RunCycleAsync(cancellationToken);
        LogEvaluated(result.CycleId, result.Decisions.Count, result.MigrationsStarted, result.EvacuationsStarted, result.MigrationsRefused);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation cycle {CycleId}: {Decisions} decisions, {Migrations} migrations and {Evacuations} evacuations started, {Refused} refused")]
    private partial void LogEvaluated(string cycleId, int decisions, int migrations, int evacuations, int refused);
}
