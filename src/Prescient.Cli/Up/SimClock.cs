namespace Prescient.Cli.Up;

/// <summary>
/// The local pipeline's clock: simulated time that runs <see cref="Speed"/> times faster than the wall clock from
/// <see cref="Epoch"/> on. Ingest, retrain, evaluate, the agents and the API all read it, so a 20-minute period passes
/// in 20 minutes / speed. Durable workflows keep real time (their timers and retries are about real HTTP calls);
/// <see cref="ToSimulated"/> maps their timestamps onto the simulated timeline for display.
/// </summary>
public sealed class SimClock : TimeProvider
{
    private readonly TimeProvider _wall;
    private DateTimeOffset? _wallStart;

    public SimClock(TimeProvider wall, double speed, DateTimeOffset epoch)
    {
        ArgumentNullException.ThrowIfNull(wall);
        if (!(speed is > 0 and <= 100_000))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "The speed must be above 0 and at most 100000 (simulated seconds per wall-clock second).");
        }

        _wall = wall;
        Speed = speed;
        Epoch = epoch;
    }

    public double Speed { get; }

    public DateTimeOffset Epoch { get; }

    /// <summary>True once <see cref="Start"/> was called; before, the clock stands still at <see cref="Epoch"/>.</summary>
    public bool Running => _wallStart is not null;

    /// <summary>Starts simulated time (start-up work before this does not use up simulated hours).</summary>
    public void Start() => _wallStart ??= _wall.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => ToSimulated(_wall.GetUtcNow());

    public DateTimeOffset ToSimulated(DateTimeOffset wall) => _wallStart is { } start ? Epoch + ((wall - start) * Speed) : Epoch;

    /// <summary>Wall-clock time to wait for <paramref name="simulated"/> to pass.</summary>
    public TimeSpan WallTimeFor(TimeSpan simulated) => simulated / Speed;
}
