using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Prescient.Functions.Durable;
using Prescient.Pipeline.Retention;

namespace Prescient.Functions.Retention;

/// <summary>
/// Applies the retention window (<c>Prescient__Pipeline__Retention__Days</c>, default 30) once a day: finished
/// migrations (rows and orchestration histories, through this invocation's durable client), decisions, dead letters.
/// </summary>
public sealed class RetentionFunction(RetentionService retention)
{
    /// <summary>Daily at 03:17 UTC (NCRONTAB); a missed run is caught up by the next one (deletes are idempotent).</summary>
    public const string Schedule = "0 17 3 * * *";

    [Function("Retention")]
    public async Task<RetentionResult> RunAsync(
        [TimerTrigger(Schedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(client);
        using var scope = DurableClientScope.Use(client);
        return await retention.RunAsync(cancellationToken);
    }
}
