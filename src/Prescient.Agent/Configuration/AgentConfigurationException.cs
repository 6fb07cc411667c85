namespace Prescient.Agent.Configuration;

/// <summary>Bad configuration: the agent exits with <see cref="ExitCodes.Config"/> and this message, which names the setting.</summary>
public sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException()
    {
    }

    public AgentConfigurationException(string message)
        : base(message)
    {
    }

    public AgentConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
