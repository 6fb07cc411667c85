namespace Prescient.Simulation.FleetService;

/// <summary>A clock that runs <see cref="Factor"/> times faster than <paramref name="inner"/> from the moment it is made.</summary>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly DateTimeOffset _realStart;
    private readonly DateTimeOffset _epoch;

    public AcceleratedTimeProvider(TimeProvider inner, double factor, DateTimeOffset? epoch = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(factor > 0) || double.IsInfinity(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The acceleration factor must be a finite number > 0.");
        }

        _inner = inner;
        Factor = factor;
        _realStart = inner.GetUtcNow();
        _epoch = epoch ?? _realStart;
    }

    public double Factor { get; }

    public override DateTimeOffset GetUtcNow() => _epoch + ((_inner.GetUtcNow() - _realStart) * Factor);
}
