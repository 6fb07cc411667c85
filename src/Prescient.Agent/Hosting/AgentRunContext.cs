using Microsoft.Extensions.Logging;

namespace Prescient.Agent.Hosting;

/// <summary>Test and embedding hooks for <see cref="AgentApplication.RunAsync"/>.</summary>
public sealed class AgentRunContext
{
    public TextWriter Out { get; init; } = Console.Out;

    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Stops the agent like SIGTERM does.</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>Extra logging setup (tests capture logs).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Extra configuration layered last (tests).</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>Reads no environment variables (tests run in parallel in one process).</summary>
    public bool IgnoreEnvironment { get; init; }
}
