namespace Prescient.Simulation.Fleet;

/// <summary>State of a migration in the fleet model.</summary>
public enum MigrationStatus
{
    Queued,
    Running,
    Completed,
    Aborted,
}
