using Prescient.Core.Controller;

namespace Prescient.Pipeline.Api.Decisions;

/// <summary>
/// One controller decision with its explanation: the inputs (measured, predicted, error, range), the mode before and
/// after, the indication, the reason in words, whether it was a dry run, and the migrations it started.
/// </summary>
public sealed record DecisionRecord(
    string DecisionId,
    string HostId,
    DateTimeOffset At,
    ControllerMode ModeBefore,
    ControllerMode ModeAfter,
    double? Measured,
    double? Predicted,
    double? PredictionError,
    double Low,
    double High,
    Indication Indication,
    string Reason,
    bool DryRun,
    IReadOnlyList<string> MigrationIds);

/// <summary>The decisions store as the API reads it: newest first.</summary>
public interface IDecisionLog
{
    Task<IReadOnlyList<DecisionRecord>> RecentAsync(string? hostId, DateTimeOffset? since, int limit, CancellationToken cancellationToken);
}
