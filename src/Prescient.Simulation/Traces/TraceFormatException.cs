namespace Prescient.Simulation.Traces;

/// <summary>A trace file could not be read: which file, which line (1-based; 0 when the file as a whole is wrong) and why.</summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string file, int line, string problem)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public TraceFormatException()
        : this("(unknown)", 0, "malformed trace")
    {
    }

    public TraceFormatException(string message)
        : this("(unknown)", 0, message)
    {
    }

    public TraceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "(unknown)";
        Problem = message;
    }

    public string File { get; } = "(unknown)";

    public int Line { get; }

    public string Problem { get; } = "malformed trace";
}
