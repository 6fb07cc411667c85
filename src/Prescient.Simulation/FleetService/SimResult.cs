using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>The answer of one model operation: a value, or an HTTP status with the contract's error body.</summary>
public readonly record struct SimResult<T>(T? Value, int Status, HypervisorError? Error)
{
    public static SimResult<T> Ok(T value) => new(value, 200, null);

    public static SimResult<T> Fail(int status, string code, string message, bool retryable = false) =>
        new(default, status, new HypervisorError(code, message, retryable));
}
