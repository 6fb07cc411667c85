namespace Prescient.Agent.Configuration;

/// <summary>What the process was asked to do: run the agent, or print one sample (<c>--once</c>, which needs no transport).</summary>
public sealed record AgentRunMode(bool Once);
