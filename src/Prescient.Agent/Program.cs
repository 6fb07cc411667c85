using Prescient.Agent.Hosting;

return await AgentApplication.RunAsync(args);
