using Prescient.Cli;

return await PrescientCommandLine.RunAsync(args);
