namespace Prescient.Pipeline.Hypervisor;

/// <summary>A hypervisor call failed. <see cref="Code"/> is the contract's error code.</summary>
public class HypervisorException : Exception
{
    public HypervisorException()
    {
    }

    public HypervisorException(string message)
        : base(message)
    {
    }

    public HypervisorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HypervisorException(string hostId, int? statusCode, string code, string message, Exception? innerException = null)
        : base($"{hostId}: {message} ({code}{(statusCode is null ? "" : $", HTTP {statusCode}")})", innerException)
    {
        HostId = hostId;
        StatusCode = statusCode;
        Code = code;
    }

    public string HostId { get; } = "";

    public int? StatusCode { get; }

    public string Code { get; } = "";
}

/// <summary>Worth retrying: timeout, connection failure, 5xx, or an error the host marked retryable.</summary>
public sealed class HypervisorTransientException : HypervisorException
{
    public HypervisorTransientException()
    {
    }

    public HypervisorTransientException(string message)
        : base(message)
    {
    }

    public HypervisorTransientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HypervisorTransientException(string hostId, int? statusCode, string code, string message, Exception? innerException = null)
        : base(hostId, statusCode, code, message, innerException)
    {
    }
}

/// <summary>The host refused the call (4xx): retrying the same call will not help.</summary>
public sealed class HypervisorRejectedException : HypervisorException
{
    public HypervisorRejectedException()
    {
    }

    public HypervisorRejectedException(string message)
        : base(message)
    {
    }

    public HypervisorRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HypervisorRejectedException(string hostId, int? statusCode, string code, string message)
        : base(hostId, statusCode, code, message)
    {
    }
}
