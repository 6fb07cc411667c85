namespace Prescient.Pipeline.Migration;

/// <summary>A step exceeded its timeout (its durable timer fired first).</summary>
public sealed class StepTimeoutException : Exception
{
    public StepTimeoutException()
    {
    }

    public StepTimeoutException(string message)
        : base(message)
    {
    }

    public StepTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
