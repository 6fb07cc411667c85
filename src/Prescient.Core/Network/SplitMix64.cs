namespace Prescient.Core.Network;

/// <summary>
/// A small deterministic random generator (SplitMix64) whose whole state is one number, so it can be saved with a
/// network and continue the same sequence after a restart.
/// </summary>
public struct SplitMix64(ulong state)
{
    public ulong State { get; private set; } = state;

    public ulong NextULong()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A double in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive) => (int)(NextDouble() * maxExclusive);
}
