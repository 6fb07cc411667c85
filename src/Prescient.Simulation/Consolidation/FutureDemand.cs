namespace Prescient.Simulation.Consolidation;

/// <summary>
/// The oracle's view of the future: each VM's actual utilisation 1 to <see cref="LookaheadSteps"/> steps after the
/// fleet's current step, exactly as the simulator will replay it (past the day's last step the last sample repeats;
/// with <see cref="ConsolidationSetup.RemoveIdleVms"/> a VM reads 0 from the step it is removed). Only
/// <see cref="IForesightPolicy"/> policies receive one.
/// </summary>
public sealed class FutureDemand
{
    private readonly FleetState _fleet;
    private readonly int[] _removedAt;

    internal FutureDemand(FleetState fleet, int lookaheadSteps)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lookaheadSteps);
        _fleet = fleet;
        LookaheadSteps = lookaheadSteps;
        var util = fleet.Day.Util;
        var steps = fleet.Steps;
        _removedAt = new int[fleet.VmCount];
        for (var v = 0; v < fleet.VmCount; v++)
        {
            _removedAt[v] = int.MaxValue;
            if (!fleet.Setup.RemoveIdleVms)
            {
                continue;
            }

            // The simulator's rule (FleetState.RefreshDemand): a placed VM leaves at the first step k with
            // Util[k] = Util[k + 1] = 0 (k + 1 clamped to the last step); every VM is placed from step 0.
            for (var k = 0; k < steps; k++)
            {
                if (util[v][k] == 0 && util[v][Math.Min(k + 1, steps - 1)] == 0)
                {
                    _removedAt[v] = k;
                    break;
                }
            }
        }
    }

    /// <summary>How far ahead this view reads.</summary>
    public int LookaheadSteps { get; }

    /// <summary>The utilisation (0..1) of <paramref name="vm"/> <paramref name="ahead"/> steps after the current step.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ahead"/> is not in 1..<see cref="LookaheadSteps"/>.</exception>
    public double Util(int vm, int ahead)
    {
        if (ahead < 1 || ahead > LookaheadSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(ahead), ahead, $"The oracle sees 1 to {LookaheadSteps} steps ahead.");
        }

        var step = _fleet.Step + ahead; // during the initial placement (step -1), 1 ahead is step 0
        if (step >= _removedAt[vm])
        {
            return 0;
        }

        return _fleet.Day.Util[vm][Math.Min(step, _fleet.Steps - 1)];
    }

    /// <summary>The CPU demand (MIPS) of <paramref name="vm"/> <paramref name="ahead"/> steps after the current step.</summary>
    public double DemandMips(int vm, int ahead) => Util(vm, ahead) * _fleet.VmMips[vm];

    /// <summary>The highest utilisation of <paramref name="vm"/> over the next <paramref name="steps"/> steps (1..<see cref="LookaheadSteps"/>).</summary>
    public double PeakUtil(int vm, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var peak = 0.0;
        for (var a = 1; a <= steps; a++)
        {
            peak = Math.Max(peak, Util(vm, a));
        }

        return peak;
    }
}
