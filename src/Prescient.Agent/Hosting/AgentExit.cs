using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prescient.Agent.Configuration;

namespace Prescient.Agent.Hosting;

/// <summary>The process exit code: <see cref="ExitCodes.Ok"/> unless a service fails for good.</summary>
public sealed class AgentExit(IHostApplicationLifetime lifetime)
{
    public int Code { get; private set; } = ExitCodes.Ok;

    /// <summary>Records a fatal error and stops the host; the process exits with <see cref="ExitCodes.Failure"/> (systemd restarts it).</summary>
    public void Fail(ILogger logger, Exception exception, int code = ExitCodes.Failure)
    {
        ArgumentNullException.ThrowIfNull(exception);
        AgentLog.Fatal(logger, exception.Message, exception);
        Code = code;
        lifetime.StopApplication();
    }
}
