namespace Prescient.Hypervisor.Qemu;

/// <summary>QEMU answered a command with an error (<c>{"error": {"class", "desc"}}</c>).</summary>
public sealed class QmpException : Exception
{
    public QmpException()
    {
    }

    public QmpException(string message)
        : base(message)
    {
    }

    public QmpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QmpException(string command, string errorClass, string description)
        : base($"{command}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    public string Command { get; } = "";

    public string ErrorClass { get; } = "";

    public string Description { get; } = "";
}
