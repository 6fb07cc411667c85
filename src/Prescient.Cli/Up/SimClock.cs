namespace Prescient.Cli.Up;

/// <summary>
/// The local pipeline's clock: simulated time that runs <see cref="Speed"/> times faster than the wall clock from
/// <see cref="Epoch"/> on. Ingest, retrain, evaluate, the agents, the leases and the API all read it, so a 20-minute
/// period passes in 20 minutes / speed. It never passes its <see cref="Ceiling"/>: when the pipeline falls behind, the
/// evaluation loop holds it there (simulated time slows down) instead of letting periods go unevaluated, and it goes
/// on from where it stood once the ceiling is raised. Durable workflows keep real time (their timers and retries are
/// about real HTTP calls).
/// </summary>
public sealed class SimClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _wall;
    private DateTimeOffset? _anchorWall;
    private DateTimeOffset _anchor;
    private DateTimeOffset _ceiling = DateTimeOffset.MaxValue;

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
        _anchor = epoch;
    }

    public double Speed { get; }

    /// <summary>Where this run's clock started.</summary>
    public DateTimeOffset Epoch { get; }

    /// <summary>True once <see cref="Start"/> was called; before, the clock stands still at <see cref="Epoch"/>.</summary>
    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _anchorWall is not null;
            }
        }
    }

    /// <summary>The latest time the clock may show (<see cref="DateTimeOffset.MaxValue"/>: none).</summary>
    public DateTimeOffset Ceiling
    {
        get
        {
            lock (_gate)
            {
                return _ceiling;
            }
        }
    }

    /// <summary>True while the clock stands at its ceiling, waiting for the pipeline.</summary>
    public bool Held
    {
        get
        {
            lock (_gate)
            {
                return Free(_wall.GetUtcNow()) >= _ceiling;
            }
        }
    }

    /// <summary>Starts simulated time (start-up work before this does not use up simulated hours).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _anchorWall ??= _wall.GetUtcNow();
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            var free = Free(_wall.GetUtcNow());
            return free < _ceiling ? free : _ceiling;
        }
    }

    /// <summary>
    /// Sets the latest time the clock may show. If it stands at the old ceiling it goes on from there (no jump).
    /// </summary>
    public void SetCeiling(DateTimeOffset ceiling)
    {
        lock (_gate)
        {
            var wall = _wall.GetUtcNow();
            if (_anchorWall is not null && Free(wall) >= _ceiling)
            {
                _anchor = _ceiling;
                _anchorWall = wall;
            }

            _ceiling = ceiling;
        }
    }

    /// <summary>Wall-clock time for <paramref name="simulated"/> to pass (when the clock is not held).</summary>
    public TimeSpan WallTimeFor(TimeSpan simulated) => simulated / Speed;

    private DateTimeOffset Free(DateTimeOffset wall) => _anchorWall is { } start ? _anchor + ((wall - start) * Speed) : _anchor;
}
