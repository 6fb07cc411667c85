namespace Prescient.Pipeline.Migration;

/// <summary>An operator's cancel arrived before resume-started: the migration aborts.</summary>
public sealed class MigrationCancelledException : Exception
{
    public MigrationCancelledException()
    {
    }

    public MigrationCancelledException(string message)
        : base(message)
    {
    }

    public MigrationCancelledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
