using Prescient.Core.Migration;

namespace Prescient.Hypervisor.Contract;

/// <summary>A host's answer to one contract call: a value (200) or an error with its HTTP status (docs/hypervisor-api.md).</summary>
public readonly record struct HypervisorResult<T>(T? Value, int Status, HypervisorError? Error)
{
    public bool IsOk => Error is null;

    public static HypervisorResult<T> Ok(T value) => new(value, 200, null);

    public static HypervisorResult<T> Fail(int status, string code, string message, bool retryable = false) =>
        new(default, status, new HypervisorError(code, message, retryable));

    /// <summary>The same error carried by an answer of another type.</summary>
    public HypervisorResult<TOther> As<TOther>() =>
        Error is null ? throw new InvalidOperationException("Only an error can change its type.") : new(default, Status, Error);

    public static HypervisorResult<T> BadRequest(string message) => Fail(400, HypervisorErrorCodes.BadRequest, message);

    public static HypervisorResult<T> UnknownMigration(string message) => Fail(404, HypervisorErrorCodes.UnknownMigration, message);

    public static HypervisorResult<T> UnknownVm(string message) => Fail(404, HypervisorErrorCodes.UnknownVm, message);

    public static HypervisorResult<T> WrongPhase(string message) => Fail(409, HypervisorErrorCodes.WrongPhase, message);

    public static HypervisorResult<T> Conflict(string message) => Fail(409, HypervisorErrorCodes.Conflict, message);

    public static HypervisorResult<T> VmLocked(string message) => Fail(409, HypervisorErrorCodes.VmLocked, message);

    public static HypervisorResult<T> Aborted(string message) => Fail(409, HypervisorErrorCodes.Aborted, message);

    public static HypervisorResult<T> ResumeStarted(string message) => Fail(409, HypervisorErrorCodes.ResumeStarted, message);

    public static HypervisorResult<T> Unavailable(string message) => Fail(503, HypervisorErrorCodes.Unavailable, message, retryable: true);

    public static HypervisorResult<T> DestinationUnresponsive(string message) =>
        Fail(504, HypervisorErrorCodes.DestinationUnresponsive, message, retryable: true);

    public static implicit operator HypervisorResult<T>(T value) => Ok(value);
}
