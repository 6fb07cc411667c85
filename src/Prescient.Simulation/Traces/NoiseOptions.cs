namespace Prescient.Simulation.Traces;

/// <summary>Jaggedness added to a smooth shape: level-dependent AR(1) noise and short spikes.</summary>
/// <param name="NoiseSd">Standard deviation of the noise at full load (it scales with 0.25 + level).</param>
/// <param name="NoiseCorrelation">AR(1) coefficient between consecutive samples (0 = white noise).</param>
/// <param name="SpikesPerHour">Mean number of spikes per hour while the level is above 0.1.</param>
/// <param name="SpikeHeight">Mean height of a spike (uniform between half and 1.5 times this).</param>
/// <param name="SpikeDuration">Mean length of a spike (uniform between half and 1.5 times this).</param>
public sealed record NoiseOptions(
    double NoiseSd = 0.02,
    double NoiseCorrelation = 0.6,
    double SpikesPerHour = 0.6,
    double SpikeHeight = 0.08,
    TimeSpan SpikeDuration = default)
{
    public static NoiseOptions None { get; } = new(0, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan EffectiveSpikeDuration => SpikeDuration > TimeSpan.Zero ? SpikeDuration : TimeSpan.FromMinutes(4);
}
