using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Prescient.Pipeline.Retention;

/// <summary>
/// Applies retention in-process for hosts without a timer trigger (<c>prescient up</c>): once at start, then every
/// <see cref="RetentionOptions.RunEvery"/> of the pipeline's clock (which may be simulated, so it is polled rather
/// than waited on). The Functions app uses its timer function instead. A failed run is logged and tried again at the
/// next due time.
/// </summary>
public sealed partial class RetentionBackgroundService(RetentionService retention, TimeProvider time, ILogger<RetentionBackgroundService> logger) : BackgroundService
{
    /// <summary>Real time between looks at the (possibly simulated) clock.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    /// <summary>Runs completed (for progress displays and tests).</summary>
    public int Runs => Volatile.Read(ref _runs);

    public RetentionResult? Last { get; private set; }

    private int _runs;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var next = time.GetUtcNow();
        using var timer = new PeriodicTimer(PollEvery);
        do
        {
            if (time.GetUtcNow() < next)
            {
                continue;
            }

            try
            {
                Last = await retention.RunAsync(stoppingToken);
                Interlocked.Increment(ref _runs);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }

            next = time.GetUtcNow() + retention.Options.RunEvery;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention failed; it runs again at its next due time")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
