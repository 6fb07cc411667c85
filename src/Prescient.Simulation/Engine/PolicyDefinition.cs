namespace Prescient.Simulation.Engine;

/// <summary>
/// A policy to compare: its name, what it does, whether it migrates at all (false: the "no migration" baseline), and
/// the settings every host's controller and the planner use. Forecasts reach the planner unless the controller mode
/// is reactive.
/// </summary>
public sealed record PolicyDefinition(string Name, string Description, bool Migrates, Core.Settings.HostSettings Settings);
